//! `ctrl_c()` listens from the moment it is called. This test has a process
//! of its own: nothing else here installs a SIGINT handler first, so a
//! handler installed only on the first poll would let the SIGINT below
//! kill the test process.

#[test]
fn ctrl_c_listens_from_the_call_not_the_first_poll() {
    runtime_tests::rt(1).block_on(async {
        let ctrl_c = runtime::signal::ctrl_c();
        // Delivered before the future is ever polled.
        runtime::signal::raise(runtime::signal::SignalKind::interrupt()).unwrap();
        runtime::wait_for(runtime_tests::HANG, runtime::spawn(ctrl_c))
            .await
            .expect("the SIGINT sent before the first poll was missed")
            .unwrap()
            .unwrap();
    });
}

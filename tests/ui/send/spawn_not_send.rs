// `runtime::spawn` runs its future on any worker, so the future must be
// `Send`: one that holds an `Rc` across an await is rejected.
async fn uses_rc_across_await() {
    let rc = std::rc::Rc::new(1);
    runtime::yield_now().await;
    drop(rc);
}

fn main() {
    runtime::run(async {
        let _ = runtime::spawn(uses_rc_across_await());
    });
}

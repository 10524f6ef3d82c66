// A `Task<T>` is `Send` only if its output is: a `spawn_local` task that
// returns an `Rc` cannot be handed to another thread.
fn assert_send<T: Send>(_: &T) {}

fn main() {
    runtime::run(async {
        runtime::spawn(async {
            let task: runtime::Task<std::rc::Rc<u32>> =
                runtime::spawn_local(async { std::rc::Rc::new(1) });
            assert_send(&task);
        })
        .await
        .unwrap();
    });
}

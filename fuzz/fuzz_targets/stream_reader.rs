//! `StreamReader` under arbitrary chunkings and call sequences, checked
//! against the model in `runtime/src/streams/model.rs` (the same model the
//! proptest runs). The input's first bytes choose the limit, the chunk
//! sizes and the calls; the rest is the stream.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    runtime::fuzz::stream_reader(data);
});

//! The expansion of `#[runtime::main]` and `#[runtime::test]`.
//!
//! ```ignore
//! #[runtime::main(workers = 4, debug = true)]
//! async fn main() -> Result<(), E> { body }
//! ```
//!
//! expands to
//!
//! ```ignore
//! fn main() -> Result<(), E> {
//!     let body = async move { body };
//!     ::runtime::Runtime::builder()
//!         .workers(4)
//!         .debug(true)
//!         .build()
//!         .expect("#[runtime::main]: failed to start the runtime")
//!         .block_on(body)
//! }
//! ```
//!
//! The function keeps its attributes, visibility, name and return type and
//! loses `async`; its block becomes, unchanged, the body of the `async move`
//! block. The `Runtime` is a temporary of the function's final expression, so
//! it is dropped, which shuts it down, as soon as `block_on` returns: the
//! same lifecycle as Python's `asyncio.run`.
//!
//! There is one builder call per option given, always in the order `workers`,
//! `debug`, `max_blocking_threads`, `thread_name`, `slow_poll_threshold`,
//! `stall_threshold`, `unhandled_panic`;
//! options left out keep the builder's defaults. `crate = "path"` replaces
//! `::runtime`. With `shutdown_timeout_ms = N` the runtime is a local,
//! shut down with `shutdown_timeout(Duration::from_millis(N))` once
//! `block_on` returns (the report is logged if it names stragglers), and
//! the output is returned after that.
//!
//! `#[runtime::test]` expands the same way, with `#[::core::prelude::v1::test]`
//! put in front of the function and, unless the test says otherwise,
//! `.unhandled_panic(UnhandledPanic::ShutdownRuntime)`: a test whose
//! background task panics fails.
//!
//! # Errors
//!
//! Misuse is reported as a [`syn::Error`] spanned on the offending tokens,
//! all errors at once. As in tokio-macros, the macro then still emits the
//! user's function, expanded as well as it can be (with default options if
//! the options are what is wrong, and with any arguments turned into locals
//! of the body), next to the `compile_error!`. The function thus keeps
//! existing for name resolution and IDEs, and rustc does not add follow-up
//! errors such as "`main` function is not allowed to be `async`".

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{
    parse_quote, Attribute, Block, Expr, ExprLit, FnArg, Ident, ItemFn, Lit, LitBool, LitInt,
    LitStr, Meta, PatType, Path, Token,
};

/// Expands `#[runtime::main(args)] item`.
pub(crate) fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Main, args, item)
}

/// Expands `#[runtime::test(args)] item`.
pub(crate) fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Test, args, item)
}

/// Which of the two attributes is being expanded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Main,
    Test,
}

impl Kind {
    /// The attribute's name: `main` or `test`.
    fn name(self) -> &'static str {
        match self {
            Kind::Main => "main",
            Kind::Test => "test",
        }
    }
}

/// Checks the options and the function, then expands it; see the top of
/// this file.
fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut function: ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        // Not a function at all: hand the item back untouched.
        Err(err) => return with_error(item, err),
    };
    let options = parse_options(args);
    let signature = check_signature(kind, &function);
    let error = combine(
        [options.as_ref().err().cloned(), signature.err()]
            .into_iter()
            .flatten(),
    );
    let options = options.unwrap_or_default();
    match error {
        None => expand_fn(kind, function, &options),
        Some(err) => {
            arguments_to_locals(&mut function);
            with_error(expand_fn(kind, function, &options), err)
        }
    }
}

/// All of `errors` as one error, reported together; `None` if there are none.
fn combine(errors: impl IntoIterator<Item = syn::Error>) -> Option<syn::Error> {
    errors.into_iter().reduce(|mut all, next| {
        all.combine(next);
        all
    })
}

/// For the expansion that goes with an error: turns the function's arguments
/// into locals of its body, so that the body still resolves but rustc does
/// not also complain that `main` has the wrong signature.
///
/// `async fn main(port: u16) { .. }` gets the body
/// `{ let port: u16 = ::core::unreachable!(); .. }`.
fn arguments_to_locals(function: &mut ItemFn) {
    if function.sig.inputs.is_empty() {
        return;
    }
    let arguments = std::mem::take(&mut function.sig.inputs);
    let locals = arguments.into_iter().filter_map(|argument| match argument {
        FnArg::Typed(PatType { pat, ty, .. }) => {
            Some(parse_quote!(let #pat: #ty = ::core::unreachable!();))
        }
        FnArg::Receiver(_) => None,
    });
    function.block.stmts.splice(0..0, locals);
    function
        .attrs
        .push(parse_quote!(#[allow(unreachable_code, unused_variables)]));
}

/// `tokens` followed by `compile_error!`s for `err`.
fn with_error(mut tokens: TokenStream, err: syn::Error) -> TokenStream {
    tokens.extend(err.into_compile_error());
    tokens
}

/// The expansion shown at the top of this file.
fn expand_fn(kind: Kind, function: ItemFn, options: &Options) -> TokenStream {
    let ItemFn {
        attrs,
        vis,
        mut sig,
        block,
    } = function;
    sig.asyncness = None;

    // After an error about a second `#[test]`, don't add a third.
    let test_attr = (kind == Kind::Test && find_test_attribute(&attrs).is_none())
        .then(|| quote!(#[::core::prelude::v1::test]));
    // Tokens spanned on the body's last statement (as in tokio-macros), so
    // that a body whose type does not match the return type is reported
    // there rather than on the attribute.
    let (start, end) = last_statement_spans(&block);
    let crate_path = match &options.crate_path {
        Some(path) => path.to_token_stream(),
        None => quote_spanned!(start=> ::runtime),
    };
    let builder_calls = options.builder_calls(kind, &crate_path);
    let message = format!("#[runtime::{}]: failed to start the runtime", kind.name());
    let run = match &options.shutdown_timeout_ms {
        None => quote_spanned! {end=>
            #crate_path::Runtime::builder()
                #builder_calls
                .build()
                .expect(#message)
                .block_on(body)
        },
        Some(ms) => quote_spanned! {end=>
            {
                let runtime = #crate_path::Runtime::builder()
                    #builder_calls
                    .build()
                    .expect(#message);
                let output = runtime.block_on(body);
                runtime.shutdown_timeout(::std::time::Duration::from_millis(#ms));
                output
            }
        },
    };
    quote! {
        #test_attr
        #(#attrs)*
        #vis #sig {
            let body = async move #block;
            #run
        }
    }
}

/// The spans of the first and last tokens of the block's last statement,
/// or of its closing brace if it is empty.
fn last_statement_spans(block: &Block) -> (Span, Span) {
    let close = block.brace_token.span.close();
    let Some(last) = block.stmts.last() else {
        return (close, close);
    };
    let mut tokens = last.to_token_stream().into_iter();
    let start = tokens.next().map_or(close, |token| token.span());
    let end = tokens.last().map_or(start, |token| token.span());
    (start, end)
}

/// Checks that the function is one the attribute can turn into a plain `fn`.
fn check_signature(kind: Kind, function: &ItemFn) -> syn::Result<()> {
    let sig = &function.sig;
    let mut errors = Vec::new();
    if kind == Kind::Test {
        if let Some(attr) = find_test_attribute(&function.attrs) {
            let msg = "second test attribute is supplied; remove `#[test]`";
            errors.push(syn::Error::new_spanned(attr, msg));
        }
    }
    if sig.asyncness.is_none() {
        let msg = "the `async` keyword is missing from the function declaration";
        errors.push(syn::Error::new_spanned(sig.fn_token, msg));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        let msg = format!(
            "`#[runtime::{}]` cannot be used on a generic function",
            kind.name()
        );
        errors.push(match &sig.generics.where_clause {
            Some(clause) if sig.generics.params.is_empty() => syn::Error::new_spanned(clause, msg),
            _ => syn::Error::new_spanned(&sig.generics, msg),
        });
    }
    if !sig.inputs.is_empty() {
        let msg = format!("the {} function cannot accept arguments", kind.name());
        errors.push(syn::Error::new_spanned(&sig.inputs, msg));
    }
    match combine(errors) {
        None => Ok(()),
        Some(err) => Err(err),
    }
}

/// The function's own `#[test]` attribute, if it has one: `#[test]`, or the
/// full path `#[::core::prelude::v1::test]` (also through `std`, and any
/// edition's prelude).
fn find_test_attribute(attrs: &[Attribute]) -> Option<&Attribute> {
    attrs.iter().find(|attr| {
        let Meta::Path(path) = &attr.meta else {
            return false;
        };
        let segments: Vec<String> = path
            .segments
            .iter()
            .map(|segment| segment.ident.to_string())
            .collect();
        let no_arguments = path.segments.iter().all(|s| s.arguments.is_none());
        match segments.as_slice() {
            [test] => no_arguments && path.leading_colon.is_none() && test == "test",
            [krate, prelude, _, test] => {
                no_arguments
                    && (krate == "core" || krate == "std")
                    && prelude == "prelude"
                    && test == "test"
            }
            _ => false,
        }
    })
}

/// The options of an attribute, checked: `workers = 4, debug = true`.
///
/// Integer literals are kept without their suffix and with their span.
#[derive(Default)]
struct Options {
    /// `crate = "path"`: the runtime crate's path, `::runtime` if `None`.
    crate_path: Option<Path>,
    /// `workers = N`, at least 1.
    workers: Option<LitInt>,
    /// `debug = bool`.
    debug: Option<LitBool>,
    /// `max_blocking_threads = N`, at least 1.
    max_blocking_threads: Option<LitInt>,
    /// `thread_name = "name"`.
    thread_name: Option<LitStr>,
    /// `slow_poll_threshold_ms = N`.
    slow_poll_threshold_ms: Option<LitInt>,
    /// `stall_threshold_ms = N`, at least 1.
    stall_threshold_ms: Option<LitInt>,
    /// `unhandled_panic = "shutdown_runtime"`: the `UnhandledPanic` variant,
    /// spanned on the literal.
    unhandled_panic: Option<Ident>,
    /// `shutdown_timeout_ms = N`.
    shutdown_timeout_ms: Option<LitInt>,
}

/// The values of `unhandled_panic` and the `UnhandledPanic` variant each
/// stands for.
const UNHANDLED_PANIC: [(&str, &str); 3] = [
    ("ignore", "Ignore"),
    ("log", "Log"),
    ("shutdown_runtime", "ShutdownRuntime"),
];

/// Every option, with an example of its use for error messages.
const OPTIONS: [(&str, &str); 9] = [
    ("workers", "`workers = 4`"),
    ("debug", "`debug = true`"),
    ("max_blocking_threads", "`max_blocking_threads = 512`"),
    ("thread_name", "`thread_name = \"worker\"`"),
    ("slow_poll_threshold_ms", "`slow_poll_threshold_ms = 100`"),
    ("stall_threshold_ms", "`stall_threshold_ms = 100`"),
    (
        "unhandled_panic",
        "`unhandled_panic = \"shutdown_runtime\"`",
    ),
    ("shutdown_timeout_ms", "`shutdown_timeout_ms = 5000`"),
    ("crate", "`crate = \"runtime\"`"),
];

/// Parses and checks the attribute's arguments, reporting every bad option.
fn parse_options(args: TokenStream) -> syn::Result<Options> {
    let metas = Punctuated::<Meta, Token![,]>::parse_terminated
        .parse2(args)
        .map_err(|err| {
            let msg = "expected options written `name = value` and separated by commas, \
                       e.g. `workers = 4, debug = true`";
            syn::Error::new(err.span(), msg)
        })?;
    let mut options = Options::default();
    let mut seen = Vec::new();
    let mut errors = Vec::new();
    for meta in metas {
        if let Err(err) = options.set(&meta, &mut seen) {
            errors.push(err);
        }
    }
    match combine(errors) {
        None => Ok(options),
        Some(err) => Err(err),
    }
}

impl Options {
    /// Records one option; `seen` holds the names recorded so far.
    fn set(&mut self, meta: &Meta, seen: &mut Vec<&'static str>) -> syn::Result<()> {
        let path = meta.path();
        let given = path_to_string(path);
        let Some(&(name, example)) = OPTIONS.iter().find(|(name, _)| *name == given) else {
            let expected = OPTIONS.map(|(name, _)| format!("`{name}`")).join(", ");
            let msg = format!("unknown option `{given}`; expected one of {expected}");
            return Err(syn::Error::new_spanned(path, msg));
        };
        if seen.contains(&name) {
            let msg = format!("`{name}` is given twice");
            return Err(syn::Error::new_spanned(path, msg));
        }
        seen.push(name);
        let Meta::NameValue(name_value) = meta else {
            let msg = format!("`{name}` needs a value, e.g. {example}");
            return Err(syn::Error::new_spanned(meta, msg));
        };
        let value = &name_value.value;
        match name {
            "workers" => self.workers = Some(int(name, example, value, 1)?),
            "debug" => self.debug = Some(boolean(name, example, value)?),
            "max_blocking_threads" => {
                self.max_blocking_threads = Some(int(name, example, value, 1)?);
            }
            "thread_name" => self.thread_name = Some(string(name, example, value)?),
            "slow_poll_threshold_ms" => {
                self.slow_poll_threshold_ms = Some(int(name, example, value, 0)?);
            }
            "stall_threshold_ms" => {
                let lit = int(name, example, value, 0)?;
                if lit.base10_parse::<u64>()? == 0 {
                    let msg = "`stall_threshold_ms` must be at least 1; to turn the stall \
                               watchdog off, build the runtime with \
                               `Runtime::builder().stall_threshold(None)`";
                    return Err(syn::Error::new_spanned(lit, msg));
                }
                self.stall_threshold_ms = Some(lit);
            }
            "unhandled_panic" => {
                let lit = string(name, example, value)?;
                let given = lit.value();
                let Some((_, variant)) = UNHANDLED_PANIC.iter().find(|(v, _)| *v == given) else {
                    let allowed = UNHANDLED_PANIC.map(|(v, _)| format!("\"{v}\"")).join(", ");
                    let msg = format!(
                        "unknown `unhandled_panic` value \"{given}\"; expected one of {allowed}"
                    );
                    return Err(syn::Error::new_spanned(lit, msg));
                };
                self.unhandled_panic = Some(Ident::new(variant, lit.span()));
            }
            "shutdown_timeout_ms" => {
                self.shutdown_timeout_ms = Some(int(name, example, value, 0)?);
            }
            "crate" => {
                let lit = string(name, example, value)?;
                let path = lit.parse_with(Path::parse_mod_style).map_err(|_| {
                    let msg = format!("`crate` expects a path in a string, e.g. {example}");
                    syn::Error::new_spanned(&lit, msg)
                })?;
                self.crate_path = Some(path);
            }
            _ => unreachable!("option `{name}` is in OPTIONS but not handled"),
        }
        Ok(())
    }

    /// The builder method calls for the options given, e.g. `.workers(4)`,
    /// plus `#[runtime::test]`'s default panic policy.
    fn builder_calls(&self, kind: Kind, crate_path: &TokenStream) -> TokenStream {
        let mut calls = TokenStream::new();
        if let Some(workers) = &self.workers {
            calls.extend(quote!(.workers(#workers)));
        }
        if let Some(debug) = &self.debug {
            calls.extend(quote!(.debug(#debug)));
        }
        if let Some(max) = &self.max_blocking_threads {
            calls.extend(quote!(.max_blocking_threads(#max)));
        }
        if let Some(name) = &self.thread_name {
            calls.extend(quote!(.thread_name(#name)));
        }
        if let Some(ms) = &self.slow_poll_threshold_ms {
            calls.extend(quote!(.slow_poll_threshold(::std::time::Duration::from_millis(#ms))));
        }
        if let Some(ms) = &self.stall_threshold_ms {
            calls.extend(quote!(
                .stall_threshold(::core::option::Option::Some(
                    ::std::time::Duration::from_millis(#ms)
                ))
            ));
        }
        let policy = match (&self.unhandled_panic, kind) {
            (Some(variant), _) => Some(variant.clone()),
            // A test whose background task panics fails instead of passing.
            (None, Kind::Test) => Some(Ident::new("ShutdownRuntime", Span::call_site())),
            (None, Kind::Main) => None,
        };
        if let Some(variant) = policy {
            calls.extend(quote!(.unhandled_panic(#crate_path::UnhandledPanic::#variant)));
        }
        calls
    }
}

/// `a::b` for a path `a::b`, `::a` for `::a`.
fn path_to_string(path: &Path) -> String {
    let segments: Vec<String> = path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    let colon = if path.leading_colon.is_some() {
        "::"
    } else {
        ""
    };
    format!("{colon}{}", segments.join("::"))
}

/// The literal `value` is, looking through the invisible groups that
/// `macro_rules!` puts around a `$value:literal` or `$value:expr`.
fn literal(value: &Expr) -> Option<&Lit> {
    match value {
        Expr::Lit(ExprLit { attrs, lit }) if attrs.is_empty() => Some(lit),
        Expr::Group(group) if group.attrs.is_empty() => literal(&group.expr),
        _ => None,
    }
}

/// An integer literal of at least `min`, without its suffix.
fn int(name: &str, example: &str, value: &Expr, min: u64) -> syn::Result<LitInt> {
    let Some(Lit::Int(lit)) = literal(value) else {
        let msg = format!("`{name}` expects an integer literal, e.g. {example}");
        return Err(syn::Error::new_spanned(value, msg));
    };
    let n: u64 = lit
        .base10_parse()
        .map_err(|_| syn::Error::new_spanned(lit, format!("`{name}` is too large")))?;
    if n < min {
        let msg = format!("`{name}` must be at least {min}");
        return Err(syn::Error::new_spanned(lit, msg));
    }
    Ok(LitInt::new(&n.to_string(), lit.span()))
}

/// A `true` or `false` literal.
fn boolean(name: &str, example: &str, value: &Expr) -> syn::Result<LitBool> {
    match literal(value) {
        Some(Lit::Bool(lit)) => Ok(lit.clone()),
        _ => {
            let msg = format!("`{name}` expects `true` or `false`, e.g. {example}");
            Err(syn::Error::new_spanned(value, msg))
        }
    }
}

/// A string literal.
fn string(name: &str, example: &str, value: &Expr) -> syn::Result<LitStr> {
    match literal(value) {
        Some(Lit::Str(lit)) => Ok(lit.clone()),
        _ => {
            let msg = format!("`{name}` expects a string literal, e.g. {example}");
            Err(syn::Error::new_spanned(value, msg))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(args: TokenStream) -> Options {
        match parse_options(args) {
            Ok(options) => options,
            Err(err) => panic!("options should parse: {err}"),
        }
    }

    fn rejected(args: TokenStream) -> syn::Error {
        match parse_options(args) {
            Ok(_) => panic!("options should be rejected"),
            Err(err) => err,
        }
    }

    fn error(args: TokenStream) -> String {
        rejected(args).to_string()
    }

    fn int_value(lit: &Option<LitInt>) -> Option<u64> {
        lit.as_ref().map(|lit| lit.base10_parse().unwrap())
    }

    #[test]
    fn no_options() {
        let options = options(TokenStream::new());
        assert!(options.crate_path.is_none());
        assert!(options.workers.is_none());
        assert!(options.debug.is_none());
        assert!(options.max_blocking_threads.is_none());
        assert!(options.thread_name.is_none());
        assert!(options.slow_poll_threshold_ms.is_none());
        assert!(options.stall_threshold_ms.is_none());
        assert!(options.unhandled_panic.is_none());
        assert!(options.shutdown_timeout_ms.is_none());
        assert!(options
            .builder_calls(Kind::Main, &quote!(::runtime))
            .is_empty());
    }

    #[test]
    fn every_option() {
        let options = options(quote! {
            workers = 4,
            debug = true,
            max_blocking_threads = 16,
            thread_name = "worker",
            slow_poll_threshold_ms = 0,
            stall_threshold_ms = 250,
            unhandled_panic = "shutdown_runtime",
            shutdown_timeout_ms = 1500,
            crate = "::my_runtime::inner",
        });
        assert_eq!(int_value(&options.workers), Some(4));
        assert!(options.debug.as_ref().unwrap().value);
        assert_eq!(int_value(&options.max_blocking_threads), Some(16));
        assert_eq!(options.thread_name.as_ref().unwrap().value(), "worker");
        assert_eq!(int_value(&options.slow_poll_threshold_ms), Some(0));
        assert_eq!(int_value(&options.stall_threshold_ms), Some(250));
        assert_eq!(options.unhandled_panic.as_ref().unwrap(), "ShutdownRuntime");
        assert_eq!(int_value(&options.shutdown_timeout_ms), Some(1500));
        let crate_path = options.crate_path.as_ref().unwrap();
        assert_eq!(path_to_string(crate_path), "::my_runtime::inner");
        let expected = quote! {
            .workers(4)
            .debug(true)
            .max_blocking_threads(16)
            .thread_name("worker")
            .slow_poll_threshold(::std::time::Duration::from_millis(0))
            .stall_threshold(::core::option::Option::Some(
                ::std::time::Duration::from_millis(250)
            ))
            .unhandled_panic(::runtime::UnhandledPanic::ShutdownRuntime)
        };
        assert_eq!(
            options
                .builder_calls(Kind::Main, &quote!(::runtime))
                .to_string(),
            expected.to_string()
        );
    }

    #[test]
    fn builder_calls_keep_a_fixed_order_and_drop_suffixes() {
        let options = options(quote!(debug = false, workers = 2usize));
        let expected = quote!(.workers(2).debug(false));
        assert_eq!(
            options
                .builder_calls(Kind::Main, &quote!(::runtime))
                .to_string(),
            expected.to_string()
        );
    }

    #[test]
    fn literals_from_macro_rules_are_accepted() {
        // What `macro_rules!` passes for a `$n:literal` fragment.
        let group = proc_macro2::Group::new(proc_macro2::Delimiter::None, quote!(3));
        let options = options(quote!(workers = #group));
        assert_eq!(int_value(&options.workers), Some(3));
    }

    #[test]
    fn unknown_option() {
        assert_eq!(
            error(quote!(foo = 1)),
            "unknown option `foo`; expected one of `workers`, `debug`, \
             `max_blocking_threads`, `thread_name`, `slow_poll_threshold_ms`, \
             `stall_threshold_ms`, `unhandled_panic`, `shutdown_timeout_ms`, `crate`"
        );
        assert!(error(quote!(a::workers = 1)).starts_with("unknown option `a::workers`;"));
    }

    #[test]
    fn wrong_literal_types() {
        assert_eq!(
            error(quote!(workers = "4")),
            "`workers` expects an integer literal, e.g. `workers = 4`"
        );
        assert_eq!(
            error(quote!(workers = 2 + 2)),
            "`workers` expects an integer literal, e.g. `workers = 4`"
        );
        assert_eq!(
            error(quote!(debug = 1)),
            "`debug` expects `true` or `false`, e.g. `debug = true`"
        );
        assert_eq!(
            error(quote!(thread_name = worker)),
            "`thread_name` expects a string literal, e.g. `thread_name = \"worker\"`"
        );
        assert_eq!(
            error(quote!(slow_poll_threshold_ms = 1.5)),
            "`slow_poll_threshold_ms` expects an integer literal, \
             e.g. `slow_poll_threshold_ms = 100`"
        );
        assert_eq!(
            error(quote!(crate = runtime)),
            "`crate` expects a string literal, e.g. `crate = \"runtime\"`"
        );
        assert_eq!(
            error(quote!(crate = "not a path")),
            "`crate` expects a path in a string, e.g. `crate = \"runtime\"`"
        );
    }

    #[test]
    fn out_of_range_integers() {
        assert_eq!(error(quote!(workers = 0)), "`workers` must be at least 1");
        assert!(error(quote!(stall_threshold_ms = 0)).starts_with(
            "`stall_threshold_ms` must be at least 1; to turn the stall watchdog off"
        ));
        assert_eq!(
            error(quote!(max_blocking_threads = 0)),
            "`max_blocking_threads` must be at least 1"
        );
        assert_eq!(
            error(quote!(workers = 100000000000000000000000)),
            "`workers` is too large"
        );
    }

    #[test]
    fn duplicate_option() {
        assert_eq!(
            error(quote!(workers = 1, debug = true, workers = 2)),
            "`workers` is given twice"
        );
    }

    #[test]
    fn not_name_value() {
        assert_eq!(
            error(quote!(debug)),
            "`debug` needs a value, e.g. `debug = true`"
        );
        assert_eq!(
            error(quote!(workers(4))),
            "`workers` needs a value, e.g. `workers = 4`"
        );
        let malformed = "expected options written `name = value` and separated by \
                         commas, e.g. `workers = 4, debug = true`";
        assert_eq!(error(quote!(workers 4)), malformed);
        assert_eq!(error(quote!(4)), malformed);
        assert_eq!(error(quote!(workers = )), malformed);
    }

    #[test]
    fn unhandled_panic_values() {
        for (value, variant) in UNHANDLED_PANIC {
            let options = options(quote!(unhandled_panic = #value));
            assert_eq!(options.unhandled_panic.as_ref().unwrap(), variant);
        }
        assert_eq!(
            error(quote!(unhandled_panic = "abort")),
            "unknown `unhandled_panic` value \"abort\"; expected one of \"ignore\", \"log\", \
             \"shutdown_runtime\""
        );
        assert_eq!(
            error(quote!(unhandled_panic = ShutdownRuntime)),
            "`unhandled_panic` expects a string literal, e.g. \
             `unhandled_panic = \"shutdown_runtime\"`"
        );
    }

    #[test]
    fn tests_shut_down_on_unhandled_panics_unless_told_otherwise() {
        let path = quote!(::runtime);
        let calls = options(TokenStream::new()).builder_calls(Kind::Test, &path);
        let expected = quote!(.unhandled_panic(::runtime::UnhandledPanic::ShutdownRuntime));
        assert_eq!(calls.to_string(), expected.to_string());
        let calls = options(quote!(unhandled_panic = "log")).builder_calls(Kind::Test, &path);
        let expected = quote!(.unhandled_panic(::runtime::UnhandledPanic::Log));
        assert_eq!(calls.to_string(), expected.to_string());
    }

    #[test]
    fn shutdown_timeout_expansion() {
        let item = quote!(
            async fn main() {}
        );
        let expected = quote! {
            fn main() {
                let body = async move {};
                {
                    let runtime = ::runtime::Runtime::builder()
                        .build()
                        .expect("#[runtime::main]: failed to start the runtime");
                    let output = runtime.block_on(body);
                    runtime.shutdown_timeout(::std::time::Duration::from_millis(250));
                    output
                }
            }
        };
        let expanded = main(quote!(shutdown_timeout_ms = 250), item);
        assert_eq!(expanded.to_string(), expected.to_string());
    }

    #[test]
    fn every_bad_option_is_reported() {
        let err = rejected(quote!(foo = 1, workers = 0));
        assert_eq!(err.into_iter().count(), 2);
    }

    #[test]
    fn main_expansion() {
        let item = quote! {
            /// Docs.
            pub async fn main() -> Result<(), E> {
                let x = 1;
                helper(x).await?;
                Ok(())
            }
        };
        let expected = quote! {
            /// Docs.
            pub fn main() -> Result<(), E> {
                let body = async move {
                    let x = 1;
                    helper(x).await?;
                    Ok(())
                };
                ::runtime::Runtime::builder()
                    .workers(4)
                    .debug(true)
                    .build()
                    .expect("#[runtime::main]: failed to start the runtime")
                    .block_on(body)
            }
        };
        let expanded = main(quote!(workers = 4, debug = true), item);
        assert_eq!(expanded.to_string(), expected.to_string());
    }

    #[test]
    fn test_expansion() {
        let item = quote! {
            #[should_panic]
            async fn it_works() {}
        };
        let expected = quote! {
            #[::core::prelude::v1::test]
            #[should_panic]
            fn it_works() {
                let body = async move {};
                my_runtime::Runtime::builder()
                    .unhandled_panic(my_runtime::UnhandledPanic::ShutdownRuntime)
                    .build()
                    .expect("#[runtime::test]: failed to start the runtime")
                    .block_on(body)
            }
        };
        let expanded = test(quote!(crate = "my_runtime"), item);
        assert_eq!(expanded.to_string(), expected.to_string());
    }

    fn signature_error(kind: Kind, item: TokenStream) -> String {
        let function: ItemFn = syn::parse2(item).unwrap();
        check_signature(kind, &function).unwrap_err().to_string()
    }

    #[test]
    fn signature_errors() {
        assert_eq!(
            signature_error(
                Kind::Main,
                quote!(
                    fn main() {}
                )
            ),
            "the `async` keyword is missing from the function declaration"
        );
        assert_eq!(
            signature_error(
                Kind::Main,
                quote!(
                    async fn main(x: u8) {}
                )
            ),
            "the main function cannot accept arguments"
        );
        assert_eq!(
            signature_error(
                Kind::Test,
                quote!(
                    async fn t(x: u8) {}
                )
            ),
            "the test function cannot accept arguments"
        );
        assert_eq!(
            signature_error(
                Kind::Main,
                quote!(
                    async fn main<T>() {}
                )
            ),
            "`#[runtime::main]` cannot be used on a generic function"
        );
        assert_eq!(
            signature_error(
                Kind::Test,
                quote!(
                    async fn t()
                    where
                        u8: Copy,
                    {
                    }
                )
            ),
            "`#[runtime::test]` cannot be used on a generic function"
        );
        assert_eq!(
            signature_error(
                Kind::Test,
                quote!(
                    #[test]
                    async fn t() {}
                )
            ),
            "second test attribute is supplied; remove `#[test]`"
        );
        assert_eq!(
            signature_error(
                Kind::Test,
                quote!(
                    #[::std::prelude::v1::test]
                    async fn t() {}
                )
            ),
            "second test attribute is supplied; remove `#[test]`"
        );
    }

    #[test]
    fn errors_keep_the_function() {
        // The function is still emitted, expanded, before the error.
        let expanded = main(
            quote!(workers = 0),
            quote!(
                async fn main() {}
            ),
        )
        .to_string();
        assert!(expanded.starts_with("fn main ()"), "{expanded}");
        assert!(expanded.contains("compile_error"), "{expanded}");
        assert!(
            expanded.contains("`workers` must be at least 1"),
            "{expanded}"
        );

        // Arguments become locals, so the body still resolves.
        let expanded = main(
            TokenStream::new(),
            quote!(
                async fn main(port: u16) {
                    port;
                }
            ),
        );
        let expanded = expanded.to_string();
        assert!(
            expanded.starts_with("# [allow (unreachable_code , unused_variables)] fn main ()"),
            "{expanded}"
        );
        assert!(
            expanded.contains("let port : u16 = :: core :: unreachable ! () ;"),
            "{expanded}"
        );

        // A second `#[test]` is not joined by a third.
        let expanded = test(
            TokenStream::new(),
            quote!(
                #[test]
                async fn t() {}
            ),
        )
        .to_string();
        assert!(!expanded.contains("prelude"), "{expanded}");
    }

    #[test]
    fn non_functions_are_returned_unchanged() {
        let item = quote!(
            struct NotAFunction;
        );
        let expanded = main(TokenStream::new(), item.clone()).to_string();
        assert!(expanded.starts_with(&item.to_string()), "{expanded}");
        assert!(expanded.contains("compile_error"), "{expanded}");
    }
}

//! `listen`: the tracking endpoint, with the terminal UI following its capture file, or alone
//! (`--headless`) printing a line per call until interrupted.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::listen::{self, Call, ForwardStats, Stats};
use crate::text::printable;
use crate::tui;

use super::{Ctx, Error, Exit, load_settings};
use crate::cli::ListenArgs;

pub fn run(ctx: &Ctx, args: &ListenArgs) -> Result<Exit, Error> {
    let out = args.out.clone().unwrap_or_else(|| {
        jiff::Timestamp::now()
            .to_zoned_datetime(jiff::tz::TimeZone::system())
            .strftime("capture-%Y%m%d-%H%M%S.jsonl")
            .to_string()
    });
    let workspace = load_settings(ctx, &args.settings, std::slice::from_ref(&out))?;
    let bind = SocketAddr::new(args.bind, args.port);
    let allowed = listen::Allowed::new(&args.allow_host, &args.allow_origin)
        .map_err(listen::ListenError::Allowed)?;
    let on_call: Option<listen::OnCall> = if args.headless && !ctx.global.quiet {
        Some(Box::new(print_call))
    } else {
        None
    };
    let forward = args.forward.as_ref().map(|url| listen::Forward {
        url: url.clone(),
        queue: args.forward_queue as usize,
        on_failure: (args.headless && !ctx.global.quiet).then(|| {
            let tell: listen::forward::OnFailure =
                Arc::new(|why: &str| eprintln!("upstream failed: {}", printable(why)));
            tell
        }),
    });
    let on_notice: Option<listen::OnNotice> = args
        .headless
        .then(|| -> listen::OnNotice { Box::new(|n: &str| eprintln!("note: {}", printable(n))) });
    let server = listen::start(listen::Config {
        write_key: args.write_key.clone(),
        on_call,
        on_notice,
        forward,
        allowed,
        ..listen::Config::new(bind, out.clone(), workspace.clone())
    })?;
    // Said once the port is ours, so a failed start does not warn of what never happened.
    if !listen::guard::is_loopback(args.bind) {
        eprintln!(
            "warning: listening on {}, which other machines can reach: anyone who can reach it \
             can send calls into {} and read or reset what it holds through /inspector",
            server.addr,
            printable(&out)
        );
    }
    let url = format!("http://{}", server.addr);
    if args.headless {
        // The first line says where, so a script that asked for port 0 can read it.
        println!("listening on {url}, capturing to {}", printable(&out));
        let _ = std::io::stdout().flush();
        wait_for_interrupt();
        let forwarded = server.forward.clone();
        // Stopping gives calls still queued for the upstream a few seconds to leave.
        drop(server);
        if let Some(f) = forwarded {
            eprintln!("upstream: {}", upstream(&f));
        }
        return Ok(Exit::Done);
    }
    let (stats, forwarded) = (server.stats.clone(), server.forward.clone());
    let banner: tui::Banner = Arc::new(move || banner(&url, &stats, forwarded.as_deref()));
    let (theme, keys, zone) = ctx.look(args.local);
    let launch = tui::Launch {
        banner: Some(banner),
        capture: true,
        follow: true,
        max_events: tui::store::MAX_EVENTS,
        observed: None,
        zone,
        theme,
        keys,
    };
    tui::start(tui::Source::File(out.into()), Some(workspace), &launch)?;
    drop(server);
    Ok(Exit::Done)
}

/// `listening on http://127.0.0.1:8787 · 12 calls, 40 events · upstream: … · 1 refused, last
/// 400 …`: upstream before refusals, so that a long refusal does not push it off the bar.
fn banner(url: &str, stats: &Stats, forwarded: Option<&ForwardStats>) -> String {
    let calls = stats.accepted_calls.load(Ordering::Relaxed);
    let events = stats.accepted_events.load(Ordering::Relaxed);
    let n = |n: u64, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let mut s = format!(
        "listening on {url} · {}, {}",
        n(calls, "call"),
        n(events, "event")
    );
    if let Some(f) = forwarded {
        s.push_str(&format!(" · upstream: {}", upstream(f)));
    }
    let refused = stats.refused.load(Ordering::Relaxed);
    if refused > 0 {
        s.push_str(&format!(" · {refused} refused"));
        if let Some(last) = stats.last_refusal() {
            s.push_str(&format!(", last {last}"));
        }
    }
    // Last, so that a long one is what the bar cuts.
    if let Some(notice) = stats.last_notice() {
        s.push_str(&format!(" · {notice}"));
    }
    s
}

/// `12 sent, 1 failed (last 503 from …), 0 waiting, 3 dropped`: what forwarding did.
fn upstream(f: &ForwardStats) -> String {
    let failed = f.failed.load(Ordering::Relaxed);
    let mut s = format!("{} sent, {failed} failed", f.sent.load(Ordering::Relaxed));
    if failed > 0 {
        if let Some(last) = f.last_failure() {
            s.push_str(&format!(" (last {last})"));
        }
    }
    s.push_str(&format!(", {} waiting", f.pending()));
    let dropped = f.dropped.load(Ordering::Relaxed);
    if dropped > 0 {
        s.push_str(&format!(", {dropped} dropped (queue full)"));
    }
    s
}

fn print_call(c: &Call) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{} {} {} {}",
        c.status,
        c.method,
        printable(&c.path),
        printable(&c.note)
    );
    let _ = out.flush();
}

/// Blocks until SIGINT or SIGTERM (Ctrl-C, or a CI job ending).
fn wait_for_interrupt() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    match signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
        Ok(mut signals) => {
            let _ = signals.forever().next();
        }
        // Without signal handling the default action ends the process anyway.
        Err(_) => loop {
            std::thread::park();
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banner_says_upstream_before_refusals_and_counts_drops() {
        let stats = Stats::default();
        stats.accepted_calls.store(1, Ordering::Relaxed);
        stats.accepted_events.store(3, Ordering::Relaxed);
        stats.refused.store(2, Ordering::Relaxed);
        let f = ForwardStats::default();
        f.queued.store(4, Ordering::Relaxed);
        f.sent.store(3, Ordering::Relaxed);
        f.dropped.store(5, Ordering::Relaxed);
        assert_eq!(
            banner("http://127.0.0.1:8787", &stats, Some(&f)),
            "listening on http://127.0.0.1:8787 · 1 call, 3 events · upstream: 3 sent, 0 failed, \
             1 waiting, 5 dropped (queue full) · 2 refused"
        );
        // What was noticed about the capture comes last, so a long one is what the bar cuts.
        stats.set_notice("capture file removed or moved away: writing to a new c.jsonl".into());
        assert!(banner("http://127.0.0.1:8787", &stats, None).ends_with(
            " · 2 refused · capture file removed or moved away: writing to a new c.jsonl"
        ));
        assert_eq!(
            banner("http://127.0.0.1:8787", &Stats::default(), None),
            "listening on http://127.0.0.1:8787 · 0 calls, 0 events"
        );
    }
}

//! Load generator for `bench/server.py`: concurrent keep-alive clients asking `kin serve` GETs.
//!
//! ```text
//! lineage_load ADDR PATHS_FILE CLIENTS SECONDS [INTERVAL_SECONDS]
//! ```
//!
//! Each client is a thread with one HTTP/1.1 keep-alive connection. Without an interval a
//! client asks again as soon as it has its answer (a closed loop); with one it asks on a fixed
//! schedule and latency counts from when the query was due, so a late answer also delays the
//! next. Prints `{"latencies_ms": [...], "errors": N}` as JSON on stdout. Written in Rust with
//! plain blocking sockets so the load generator itself costs the shared cores little.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !(4..=5).contains(&args.len()) {
        eprintln!("usage: lineage_load ADDR PATHS_FILE CLIENTS SECONDS [INTERVAL_SECONDS]");
        return ExitCode::from(2);
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("lineage_load: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let addr = args[0].clone();
    let paths: Vec<String> = std::fs::read_to_string(&args[1])
        .map_err(|e| format!("{}: {e}", args[1]))?
        .lines()
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect();
    if paths.is_empty() {
        return Err("no paths to ask".to_owned());
    }
    let clients: usize = args[2].parse().map_err(|e| format!("CLIENTS: {e}"))?;
    let seconds: f64 = args[3].parse().map_err(|e| format!("SECONDS: {e}"))?;
    let interval: Option<f64> = match args.get(4) {
        Some(text) => Some(text.parse().map_err(|e| format!("INTERVAL_SECONDS: {e}"))?),
        None => None,
    };
    let start = Instant::now();
    let stop = start + Duration::from_secs_f64(seconds);
    let threads: Vec<_> = (0..clients)
        .map(|n| {
            let (addr, paths) = (addr.clone(), paths.clone());
            // Staggered, so scheduled clients do not all ask at the same instant.
            let first_due = start
                + Duration::from_secs_f64(interval.unwrap_or(0.0) * n as f64 / clients as f64);
            std::thread::spawn(move || client(&addr, &paths, n, clients, stop, first_due, interval))
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0usize;
    for thread in threads {
        let outcome = thread
            .join()
            .map_err(|_| "a client thread panicked".to_owned())??;
        latencies.extend(outcome.0);
        errors += outcome.1;
    }
    let listed: Vec<String> = latencies.iter().map(|ms| format!("{ms:.3}")).collect();
    println!(
        "{{\"latencies_ms\": [{}], \"errors\": {errors}}}",
        listed.join(",")
    );
    Ok(())
}

/// One client's latencies (ms) and count of answers other than 200.
fn client(
    addr: &str,
    paths: &[String],
    n: usize,
    clients: usize,
    stop: Instant,
    mut due: Instant,
    interval: Option<f64>,
) -> Result<(Vec<f64>, usize), String> {
    let stream = TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(stream);
    let (mut latencies, mut errors) = (Vec::new(), 0usize);
    let mut i = n;
    while Instant::now() < stop {
        let path = &paths[i % paths.len()];
        i += clients;
        let started = match interval {
            Some(every) => {
                let now = Instant::now();
                if due > now {
                    std::thread::sleep(due - now);
                }
                let started = due;
                due += Duration::from_secs_f64(every);
                started
            }
            None => Instant::now(),
        };
        write!(writer, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").map_err(|e| e.to_string())?;
        let status = read_response(&mut reader)?;
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        if status != 200 {
            errors += 1;
        }
    }
    Ok((latencies, errors))
}

/// Reads one response (status line, headers, a Content-Length body); its status code.
fn read_response(reader: &mut BufReader<TcpStream>) -> Result<u16, String> {
    let mut line = String::new();
    reader.read_line(&mut line).map_err(|e| e.to_string())?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("not an HTTP status line: {line:?}"))?;
    let mut length = None;
    loop {
        line.clear();
        reader.read_line(&mut line).map_err(|e| e.to_string())?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let length = length.ok_or("a response without Content-Length")?;
    let mut body = vec![0; length];
    reader.read_exact(&mut body).map_err(|e| e.to_string())?;
    Ok(status)
}

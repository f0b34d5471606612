//! Per-host politeness of the fetcher, on paused time.

use std::time::Duration;

use newswatch::fetch::{Fetcher, Overflow, Validators};

use crate::support::*;

fn fetcher(extra: &str) -> Fetcher {
    let cfg = newswatch::config::parse(
        &format!("[daemon]\nfetch_timeout = \"1h\"\n{extra}\n"),
        "t.toml",
    )
    .unwrap();
    Fetcher::new(&cfg.daemon).unwrap()
}

#[tokio::test(start_paused = true)]
async fn at_most_two_requests_per_host_and_starts_spaced_apart() {
    let server = TestServer::start().await;
    server.set("/slow", Route::Stall);
    server.set(
        "/fast",
        Route::Ok {
            content_type: "text/plain",
            body: b"ok".to_vec(),
            etag: None,
        },
    );
    let f = fetcher("per_host_delay = \"5s\"");
    let get = |path: &str| {
        let (f, url) = (f.clone(), url::Url::parse(&server.url(path)).unwrap());
        tokio::spawn(async move {
            f.get(&url, &Validators::default(), 1 << 20, Overflow::Fail)
                .await
                .map(|_| ())
        })
    };
    // Three requests to a host that never answers: two are in flight, the third waits.
    let stuck: Vec<_> = (0..3).map(|_| get("/slow")).collect();
    // (Well within the 30 s read timeout that would end the stalled two.)
    tokio::time::sleep(Duration::from_secs(20)).await;
    assert_eq!(server.hits("/slow").len(), 2);
    for s in stuck {
        s.abort();
    }

    // Another fetcher: three quick requests start 5 s apart.
    let f2 = fetcher("per_host_delay = \"5s\"");
    let started = tokio::time::Instant::now();
    let quick: Vec<_> = (0..3)
        .map(|_| {
            let (f, url) = (f2.clone(), url::Url::parse(&server.url("/fast")).unwrap());
            tokio::spawn(async move {
                f.get(&url, &Validators::default(), 1 << 20, Overflow::Fail)
                    .await
                    .is_ok()
            })
        })
        .collect();
    for q in quick {
        assert!(q.await.unwrap());
    }
    assert!(
        started.elapsed() >= Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.hits("/fast").len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzip_bomb_is_cut_off_at_the_size_cap_after_decompression() {
    let server = TestServer::start().await;
    // 20 KB on the wire, 20 MB once decompressed.
    let bomb = std::fs::read(fixture_dir().join("bomb.xml.gz")).unwrap();
    server.set(
        "/bomb.xml",
        Route::Reply {
            status: 200,
            headers: vec![
                "Content-Type: application/rss+xml".into(),
                "Content-Encoding: gzip".into(),
            ],
            body: bomb,
        },
    );
    let url = url::Url::parse(&server.url("/bomb.xml")).unwrap();
    let f = fetcher("");
    let err = f
        .get(&url, &Validators::default(), 1 << 20, Overflow::Fail)
        .await
        .unwrap_err();
    assert!(
        matches!(err, newswatch::fetch::FetchError::TooLarge { limit } if limit == 1 << 20),
        "{err:?}"
    );
    // A page is cut at the cap instead, and what is kept is the decompressed start.
    let page = f
        .get(&url, &Validators::default(), 1 << 20, Overflow::Truncate)
        .await
        .unwrap();
    let newswatch::fetch::FetchOutcome::Fetched(page) = page else {
        panic!("not modified?")
    };
    assert_eq!(page.body.len(), 1 << 20);
    assert!(page.truncated && page.body.starts_with(b"<rss"));
}

#[tokio::test(start_paused = true)]
async fn a_server_that_trickles_bytes_is_cut_off_at_the_deadline() {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                let _ = tokio::io::AsyncReadExt::read(&mut conn, &mut buf).await;
                let _ = conn
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n\r\n")
                    .await;
                // One byte a second, forever: never slow enough for a read timeout.
                loop {
                    if conn.write_all(b" ").await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            });
        }
    });
    let f = {
        let cfg =
            newswatch::config::parse("[daemon]\nfetch_timeout = \"20s\"\n", "t.toml").unwrap();
        Fetcher::new(&cfg.daemon).unwrap()
    };
    let url = url::Url::parse(&format!("http://{addr}/feed.xml")).unwrap();
    let started = tokio::time::Instant::now();
    let err = f
        .get(&url, &Validators::default(), 1 << 20, Overflow::Fail)
        .await
        .unwrap_err();
    assert!(
        matches!(err, newswatch::fetch::FetchError::Request(_)),
        "{err:?}"
    );
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(20) && took < Duration::from_secs(25),
        "cut off after {took:?}"
    );
}

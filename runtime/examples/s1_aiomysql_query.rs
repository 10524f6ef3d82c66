//! Seed 001 (~311), an `aiomysql` query: connect, run `SELECT * FROM
//! users`, print the rows, close.
//!
//! No maintained MySQL client for Rust runs outside tokio's runtime, so
//! the twin talks to a real PostgreSQL server through `tokio-postgres`
//! over a `runtime` socket (the `tokio-io` feature gives `runtime`'s
//! streams tokio's I/O traits; no tokio runtime is involved). It creates
//! a (temporary) `users` table, inserts rows with parameters, selects
//! them back, runs 50 queries concurrently through the one connection
//! (tokio-postgres pipelines them), and shows that a bad query comes back
//! as an error the caller can read.
//!
//! Usage: `s1_aiomysql_query ["host=/run/postgresql user=postgres"]` (a
//! libpq-style connection string; a `host` starting with `/` is a Unix
//! socket directory). Needs the `tokio-io` feature.

use runtime::net::{TcpStream, UnixStream};
use tokio_postgres::config::Host;
use tokio_postgres::{Client, Config, NoTls};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// `aiomysql.connect(...)`: a socket on `runtime`, then the protocol.
async fn connect(config: &Config) -> Result<Client, Error> {
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let client = match config.get_hosts().first() {
        Some(Host::Unix(dir)) => {
            let socket = UnixStream::connect(dir.join(format!(".s.PGSQL.{port}"))).await?;
            let (client, connection) = config.connect_raw(socket, NoTls).await?;
            drop(runtime::spawn(connection));
            client
        }
        Some(Host::Tcp(host)) => {
            let socket = TcpStream::connect((host.as_str(), port)).await?;
            socket.set_nodelay(true)?;
            let (client, connection) = config.connect_raw(socket, NoTls).await?;
            drop(runtime::spawn(connection));
            client
        }
        None => return Err("the connection string names no host".into()),
    };
    Ok(client)
}

#[runtime::main]
async fn main() -> Result<(), Error> {
    let dsn = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "host=/run/postgresql user=postgres dbname=postgres".to_string());
    let config: Config = dsn.parse()?;
    let client = connect(&config).await?;

    client
        .batch_execute("CREATE TEMPORARY TABLE users (id serial PRIMARY KEY, name text NOT NULL, age int NOT NULL)")
        .await?;
    for (name, age) in [("ada", 36), ("grace", 45), ("linus", 28)] {
        client
            .execute(
                "INSERT INTO users (name, age) VALUES ($1, $2)",
                &[&name, &age],
            )
            .await?;
    }

    // `SELECT * FROM users` and print each row.
    for row in client
        .query("SELECT id, name, age FROM users ORDER BY id", &[])
        .await?
    {
        let (id, name, age): (i32, &str, i32) = (row.get(0), row.get(1), row.get(2));
        println!("({id}, {name:?}, {age})");
    }

    // Fifty queries at once through the one connection.
    let client = std::sync::Arc::new(client);
    let queries: Vec<_> = (0..50i32)
        .map(|i| {
            let client = client.clone();
            runtime::spawn(async move {
                let row = client.query_one("SELECT $1::int * 2", &[&i]).await?;
                Ok::<_, tokio_postgres::Error>(row.get::<_, i32>(0) == i * 2)
            })
        })
        .collect();
    let mut right = 0;
    for query in queries {
        right += usize::from(query.await??);
    }
    println!("{right} of 50 concurrent queries answered correctly");

    // A query error is a value, with the server's message and code.
    match client.query("SELECT * FROM missing_table", &[]).await {
        Ok(_) => return Err("a query on a missing table succeeded".into()),
        Err(error) => {
            let db = error.as_db_error().ok_or("not a server error")?;
            println!("error {}: {}", db.code().code(), db.message());
        }
    }
    Ok(())
}

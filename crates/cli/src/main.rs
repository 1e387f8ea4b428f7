//! `overdue`: the command-line entry point.

mod commands;
mod ping;

use std::net::TcpListener;

use anyhow::{anyhow, Context, Result};
use clap::{Parser, Subcommand};
use overdue::{ensure_default_project, open_store, serve, system_clock, ServeArgs};

#[derive(Parser)]
#[command(
    name = "overdue",
    version,
    about = "Overdue: notices the work that did not happen"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the API, ping endpoints, scheduler and notifier in one process.
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate(ServeArgs),
    /// Manage projects.
    Project {
        #[command(subcommand)]
        command: ProjectCommand,
    },
    /// Send one ping, as a job would: `overdue ping <uuid | ping key/slug> [start|fail|…]`.
    Ping {
        /// The monitor's UUID, or `<ping key>/<slug>`.
        monitor: String,
        /// success (default), start, fail, warn, log, progress, step, problems or resolve.
        #[arg(default_value = "success")]
        signal: String,
        /// For `problems` and `resolve`: a unit's key (repeat for several). Without it,
        /// `--body` is sent as the JSON report.
        #[arg(long)]
        key: Vec<String>,
        /// For `problems`: info, warning, error (default) or critical.
        #[arg(long)]
        severity: Option<String>,
        /// The step: for `step`, the step entered; with other signals, sent as `step=`.
        #[arg(long)]
        step: Option<String>,
        /// For `progress`: units done.
        #[arg(long)]
        done: Option<u64>,
        /// For `progress`: units in all.
        #[arg(long)]
        total: Option<u64>,
        /// For `progress`: a message.
        #[arg(long)]
        msg: Option<String>,
        /// Text sent as the ping's body (shown in the ping log).
        #[arg(long)]
        body: Option<String>,
        /// Run id, to pair start and end of one run.
        #[arg(long)]
        rid: Option<String>,
        /// Overdue's base URL.
        #[arg(long, env = "OVERDUE_URL", default_value = "http://127.0.0.1:8000")]
        url: String,
    },
    /// Run a command as a monitored run: `overdue exec <monitor> -- <command…>`. Reports
    /// start, exit status, duration and the output's tail; exits with the command's status.
    Exec {
        /// The monitor's UUID, or `<ping key>/<slug>`.
        monitor: String,
        /// The command and its arguments.
        #[arg(last = true, required = true)]
        command: Vec<String>,
        /// Take the monitor's exclusive lease first; exit 75 when another run holds it.
        #[arg(long)]
        exclusive: bool,
        /// With --exclusive: do not run when Overdue cannot be reached (default: warn, run).
        #[arg(long, requires = "exclusive")]
        require_lock: bool,
        /// With --exclusive: the lease's length, longer than the command runs.
        #[arg(long, default_value = "1h")]
        lock_ttl: String,
        /// Overdue's base URL.
        #[arg(long, env = "OVERDUE_URL", default_value = "http://127.0.0.1:8000")]
        url: String,
    },
    /// A Nagios/Icinga check: `overdue nagios <monitor|tag:NAME>` prints one status line
    /// with perfdata and exits 0 OK, 1 WARNING (late), 2 CRITICAL (down), 3 UNKNOWN.
    Nagios {
        /// A monitor's UUID, slug or name, or `tag:NAME` for the worst of a tag's monitors.
        target: String,
        /// Overdue's base URL.
        #[arg(long, env = "OVERDUE_URL", default_value = "http://127.0.0.1:8000")]
        url: String,
        /// An API key of the project (read-only is enough).
        #[arg(long, env = "OVERDUE_API_KEY", hide_env_values = true)]
        api_key: Option<String>,
    },
    /// Monitors of a project, through the API (`OVERDUE_URL`, `OVERDUE_API_KEY`).
    Monitors {
        #[command(subcommand)]
        command: MonitorsCommand,
        /// Overdue's base URL.
        #[arg(
            long,
            global = true,
            env = "OVERDUE_URL",
            default_value = "http://127.0.0.1:8000"
        )]
        url: String,
        /// An API key of the project (read-only is enough for `list`).
        #[arg(long, global = true, env = "OVERDUE_API_KEY", hide_env_values = true)]
        api_key: Option<String>,
    },
    /// Flow events and entities, through the API (`OVERDUE_URL`, `OVERDUE_API_KEY`).
    Flow {
        #[command(subcommand)]
        command: overdue::flow::FlowCommand,
        /// Overdue's base URL.
        #[arg(
            long,
            global = true,
            env = "OVERDUE_URL",
            default_value = "http://127.0.0.1:8000"
        )]
        url: String,
        /// An API key of the project (read-write for events).
        #[arg(long, global = true, env = "OVERDUE_API_KEY", hide_env_values = true)]
        api_key: Option<String>,
    },
    /// Silences, through the API (`OVERDUE_URL`, `OVERDUE_API_KEY`): a deploy script
    /// silences its own monitors.
    Silence {
        #[command(subcommand)]
        command: overdue::silence::SilenceCommand,
        /// Overdue's base URL.
        #[arg(
            long,
            global = true,
            env = "OVERDUE_URL",
            default_value = "http://127.0.0.1:8000"
        )]
        url: String,
        /// An API key of the project (read-write to add or end).
        #[arg(long, global = true, env = "OVERDUE_API_KEY", hide_env_values = true)]
        api_key: Option<String>,
    },
    /// One monitor per crontab line (its schedule, named after its command); lines
    /// whose slug exists are kept. Reads FILE, or standard input.
    ImportCrontab {
        /// The crontab file [default: standard input].
        file: Option<std::path::PathBuf>,
        /// A system crontab (/etc/crontab): a user field follows the schedule.
        #[arg(long)]
        system: bool,
        /// The timezone the cron daemon runs in.
        #[arg(long, default_value = "UTC")]
        tz: String,
        /// Print the crontab with each command wrapped in `overdue exec <uuid> --`.
        #[arg(long)]
        rewrite: bool,
        /// Overdue's base URL.
        #[arg(long, env = "OVERDUE_URL", default_value = "http://127.0.0.1:8000")]
        url: String,
        /// An API key of the project (read-write).
        #[arg(long, env = "OVERDUE_API_KEY", hide_env_values = true)]
        api_key: Option<String>,
    },
    /// Manage dashboard users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    #[command(flatten)]
    More(commands::More),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from the first line of standard input.
    Create {
        /// The user's e-mail address (their sign-in name).
        email: String,
        /// Role in the project: owner, admin, member or viewer [default: owner for the
        /// first user, else member].
        #[arg(long)]
        role: Option<String>,
        /// Project id [default: the first project].
        #[arg(long)]
        project: Option<String>,
        #[command(flatten)]
        db: ServeArgs,
    },
    /// Set a user's password (read from the first line of standard input); every
    /// session of theirs ends. For a forgotten password where no SMTP relay is set up.
    Password {
        /// The user's e-mail address.
        email: String,
        #[command(flatten)]
        db: ServeArgs,
    },
}

/// The first line of standard input, without its line end.
fn read_password() -> Result<String> {
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .context("cannot read the password from standard input")?;
    Ok(password.trim_end_matches(['\r', '\n']).to_string())
}

#[derive(Subcommand)]
enum MonitorsCommand {
    /// List the monitors: name, slug, state, schedule, last ping, id.
    List {
        /// The API's JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Create a monitor; prints its id and ping URL.
    Create {
        /// Its name.
        #[arg(long)]
        name: String,
        /// Its slug (for `/ping/<ping key>/<slug>`).
        #[arg(long)]
        slug: Option<String>,
        /// Expected every: 90s, 15m, 1h, 1d.
        #[arg(long, conflicts_with = "cron")]
        period: Option<String>,
        /// A cron expression instead of a period.
        #[arg(long)]
        cron: Option<String>,
        /// The cron expression's IANA timezone [default: UTC].
        #[arg(long, requires = "cron")]
        tz: Option<String>,
        /// How late a ping may be.
        #[arg(long)]
        grace: Option<String>,
        /// Tags, comma-separated.
        #[arg(long)]
        tags: Option<String>,
    },
    /// Pause a monitor (by UUID or slug).
    Pause {
        /// UUID or slug.
        monitor: String,
    },
    /// Resume a paused monitor (by UUID or slug).
    Resume {
        /// UUID or slug.
        monitor: String,
    },
}

#[derive(Subcommand)]
enum ProjectCommand {
    /// Create a project and print its keys (shown only this once).
    Create {
        /// The project's name.
        name: String,
        /// Print a JSON object with id, api_key, read_only_key and ping_key.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: ServeArgs,
    },
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e:#}");
        std::process::exit(2);
    }
}

fn run() -> Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("OVERDUE_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        // Colours only for a terminal: a log written to a file or a journal keeps no
        // escape codes.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    if let Command::Exec {
        monitor,
        command,
        url,
        exclusive,
        require_lock,
        lock_ttl,
    } = &cli.command
    {
        let ex = if *exclusive {
            let ttl =
                overdue_core::parse_duration(lock_ttl).map_err(|e| anyhow!("--lock-ttl: {e}"))?;
            Some(overdue::exec::Exclusive {
                ttl_secs: (ttl.millis() / 1_000) as u64,
                required: *require_lock,
            })
        } else {
            None
        };
        let code = overdue::exec::run(monitor, command, url, ex)?;
        std::process::exit(code);
    }
    if let Command::More(more) = &cli.command {
        std::process::exit(commands::run(more)?);
    }
    if let Command::Nagios {
        target,
        url,
        api_key,
    } = &cli.command
    {
        std::process::exit(overdue::nagios::run(target, url, api_key.as_deref()));
    }
    if let Command::Monitors {
        command,
        url,
        api_key,
    } = &cli.command
    {
        use overdue::manage;
        let api = manage::Api::new(url, api_key.as_deref())?;
        let out = match command {
            MonitorsCommand::List { json } => manage::list(&api, *json)?,
            MonitorsCommand::Create {
                name,
                slug,
                period,
                cron,
                tz,
                grace,
                tags,
            } => manage::create(
                &api,
                manage::NewMonitor {
                    name: name.clone(),
                    slug: slug.clone(),
                    period: period.clone(),
                    cron: cron.clone(),
                    tz: tz.clone(),
                    grace: grace.clone(),
                    tags: tags.clone(),
                },
            )?,
            MonitorsCommand::Pause { monitor } => manage::switch(&api, monitor, true)?,
            MonitorsCommand::Resume { monitor } => manage::switch(&api, monitor, false)?,
        };
        println!("{}", out.trim_end());
        return Ok(());
    }
    if let Command::Flow {
        command,
        url,
        api_key,
    } = &cli.command
    {
        let api = overdue::manage::Api::new(url, api_key.as_deref())?;
        let out = overdue::flow::run(&api, command)?;
        println!("{}", out.trim_end());
        return Ok(());
    }
    if let Command::Silence {
        command,
        url,
        api_key,
    } = &cli.command
    {
        let api = overdue::manage::Api::new(url, api_key.as_deref())?;
        let out = overdue::silence::run(&api, command)?;
        println!("{}", out.trim_end());
        return Ok(());
    }
    if let Command::ImportCrontab {
        file,
        system,
        tz,
        rewrite,
        url,
        api_key,
    } = &cli.command
    {
        let text = match file {
            Some(p) => std::fs::read_to_string(p)
                .map_err(|e| anyhow!("cannot read {}: {e}", p.display()))?,
            None => std::io::read_to_string(std::io::stdin())
                .map_err(|e| anyhow!("cannot read standard input: {e}"))?,
        };
        let api = overdue::manage::Api::new(url, api_key.as_deref())?;
        println!(
            "{}",
            overdue::crontab::import(&api, &text, *system, tz, *rewrite)?
        );
        return Ok(());
    }
    // `ping` is a plain blocking HTTP call: no runtime.
    if let Command::Ping {
        monitor,
        signal,
        key,
        severity,
        step,
        done,
        total,
        msg,
        body,
        rid,
        url,
    } = &cli.command
    {
        let extra = ping::PingExtra {
            step: step.clone(),
            done: *done,
            total: *total,
            msg: msg.clone(),
            keys: key.clone(),
            severity: severity.clone(),
        };
        return ping::ping(
            monitor,
            signal,
            &extra,
            body.as_deref(),
            rid.as_deref(),
            url,
        );
    }
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(async move {
        match cli.command {
            Command::Serve(args) => {
                let settings = args.resolve()?;
                let listener = TcpListener::bind(settings.listen)
                    .map_err(|e| anyhow!("OVERDUE_LISTEN: cannot listen on {}: {e}", settings.listen))?;
                listener.set_nonblocking(true)?;
                let store = open_store(&settings, system_clock())?;
                if let Some(p) = ensure_default_project(&store).await? {
                    println!("Created the default project. Its keys are shown only this once:");
                    println!("  project id:     {}", p.id);
                    println!("  API key:        {}", p.api_key);
                    println!("  read-only key:  {}", p.read_only_key);
                    println!("  ping key:       {}", p.ping_key);
                }
                println!("Instance id: {} (claims notifications under this name)", settings.instance_id);
                println!("Overdue is listening on http://{} (site URL {})", settings.listen, settings.site_url);
                serve(settings, store, listener, commands::shutdown_signal()).await
            }
            Command::Migrate(args) => {
                let settings = args.resolve()?;
                overdue_storage::migrate_url(&settings.database_url).map_err(|e| anyhow!("DATABASE_URL: {e}"))?;
                println!("migrations applied");
                Ok(())
            }
            Command::Ping { .. }
            | Command::Exec { .. }
            | Command::Nagios { .. }
            | Command::Monitors { .. }
            | Command::Silence { .. }
            | Command::Flow { .. }
            | Command::More(_)
            | Command::ImportCrontab { .. } => Ok(()),
            Command::User { command: UserCommand::Create { email, role, project, db } } => {
                let role = match role {
                    None => None,
                    Some(r) => Some(overdue_core::Role::parse(r.trim()).ok_or_else(|| {
                        anyhow!("--role {r:?}: use owner, admin, member or viewer")
                    })?),
                };
                let password = read_password()?;
                let settings = db.resolve()?;
                let store = open_store(&settings, system_clock())?;
                let u = overdue::create_user(&store, &email, &password, role, project).await?;
                println!("Created user {} ({} of project {})", u.email, u.role.as_str(), u.project_id);
                Ok(())
            }
            Command::User { command: UserCommand::Password { email, db } } => {
                let password = read_password()?;
                let store = open_store(&db.resolve()?, system_clock())?;
                let ended = overdue::set_password(&store, &email, &password).await?;
                println!("Set the password of {}; {ended} session(s) ended", email.trim());
                Ok(())
            }
            Command::Project { command: ProjectCommand::Create { name, json, db } } => {
                let name = name.trim().to_string();
                if name.is_empty() {
                    return Err(anyhow!("NAME must not be empty"));
                }
                let settings = db.resolve()?;
                let store = open_store(&settings, system_clock())?;
                let p = store.write(move |tx| overdue_storage::people::projects::create(tx, &name)).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&p)?);
                } else {
                    println!("project id:     {}\nAPI key:        {}\nread-only key:  {}\nping key:       {}", p.id, p.api_key, p.read_only_key, p.ping_key);
                }
                Ok(())
            }
        }
    })
}

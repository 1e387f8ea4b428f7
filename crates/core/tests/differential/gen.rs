//! A seeded generator of schedule expressions: lists, ranges, steps and names, with hours
//! biased to the night (where the DST changes are).

/// xorshift64*: small, seeded, the same sequence everywhere.
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (not 0).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) % n
    }

    /// One of `items`.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Night hours (the changes are between 22:00 and 04:00 in the zones compared).
const NIGHT: [u64; 7] = [22, 23, 0, 1, 2, 3, 4];

/// An hour, mostly of the night.
fn hour(r: &mut Rng) -> u64 {
    if r.below(4) == 0 {
        r.below(24)
    } else {
        NIGHT[r.below(NIGHT.len() as u64) as usize]
    }
}

/// One `OnCalendar` event as `man systemd.time` writes it, within what Overdue takes.
pub fn oncalendar(r: &mut Rng) -> String {
    let weekdays = r.pick(&[
        "",
        "",
        "",
        "Mon ",
        "Sun ",
        "Mon..Fri ",
        "Sat,Sun ",
        "Sun,Wed ",
    ]);
    let date = match r.below(8) {
        0..=2 => "*-*-*".to_string(),
        3 => format!("*-*-{:02}", 1 + r.below(31)),
        4 => format!("*-{:02}-{:02}", 1 + r.below(12), 1 + r.below(28)),
        5 => "*-*-1/2".to_string(),
        6 => "*-*~1".to_string(),
        _ => format!("*-{}-*", r.pick(&["03", "04", "09,10", "03..04", "10"])),
    };
    let h = hour(r);
    let time = match r.below(9) {
        0 => format!("{h:02}:{:02}", r.below(60)),
        1 => format!("{h:02}:{:02}:00", 15 * r.below(4)),
        2 => format!("*:0/{}", r.pick(&["15", "20", "30", "7"])),
        3 => format!("{h:02}:00"),
        4 => format!("{h}..{}:{:02}", (h + 1 + r.below(3)).min(23), r.below(60)),
        5 => format!("{h:02},{:02}:30", (h + 12) % 24),
        6 => format!("{h:02}:{:02}/20", r.below(20)),
        7 => "*:00".to_string(),
        _ => format!("{h:02}:30:00"),
    };
    match r.below(12) {
        0 => r
            .pick(&["daily", "hourly", "weekly", "monthly", "yearly"])
            .to_string(),
        1 | 2 => format!("{weekdays}{time}"),
        _ => format!("{weekdays}{date} {time}"),
    }
}

/// A 5-field cron expression with `L`, `LW` or `#` (which cron refuses and cronsim
/// takes; cronsim has no `15W`, so the nearest weekday is left to the unit tests).
pub fn cron_lwh(r: &mut Rng) -> String {
    let minute = r.pick(&["0", "30", "*/15", "5,35", "0-10/5"]);
    let h = hour(r);
    let hour = match r.below(3) {
        0 => h.to_string(),
        1 => format!("{h},{}", (h + 9) % 24),
        _ => "*/6".to_string(),
    };
    let (dom, dow) = match r.below(7) {
        0 => ("L".to_string(), "*".to_string()),
        1 => ("L".to_string(), r.pick(&["*", "*/2"]).to_string()),
        2 => ("LW".to_string(), "*".to_string()),
        3 => ("*".to_string(), format!("{}L", r.below(7))),
        4 => (
            "*".to_string(),
            format!("{}#{}", r.below(7), 1 + r.below(4)),
        ),
        5 => (
            "*".to_string(),
            format!("{}#{}", r.pick(&["MON", "FRI", "SUN"]), 1 + r.below(5)),
        ),
        _ => (format!("{}", 1 + r.below(28)), format!("{}L", r.below(7))),
    };
    let month = r.pick(&["*", "*", "3", "1-6", "*/2", "FEB"]);
    format!("{minute} {hour} {dom} {month} {dow}")
}

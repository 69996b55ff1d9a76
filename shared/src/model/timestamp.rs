use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A point in time in microseconds since the Unix epoch (UTC). Stored as a number, so ordering by
/// time is exact; formatted only in responses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn now() -> Self {
        let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
        Self((nanos / 1_000) as i64)
    }

    /// Returns the later of now and one microsecond after `previous`, so a record's `updated_at` never
    /// goes backwards even when clocks of two Lambda instances disagree.
    pub fn now_after(previous: Timestamp) -> Self {
        Self::now().max(Timestamp(previous.0 + 1))
    }

    /// Formats as `2016-09-12 18:45:29` (UTC), the form the API documents for records.
    pub fn to_api_string(self) -> String {
        let mut text = String::with_capacity(19);
        self.write_seconds(&mut text);
        text
    }

    /// Formats as `2016-05-23 16:30:49.000000` (UTC), the form of the activity feed's dates.
    pub fn to_activity_string(self) -> String {
        let mut text = String::with_capacity(26);
        self.write_seconds(&mut text);
        text.push('.');
        push_digits(&mut text, self.datetime().microsecond(), 6);
        text
    }

    /// Zero-padded decimal form, so that string order in a sort key equals time order.
    pub fn sort_key(self) -> String {
        format!("{:017}", self.0.max(0))
    }

    /// Writes `2016-09-12 18:45:29`. Every response formats its records' dates, so this writes
    /// the digits itself instead of interpreting a format description each time.
    fn write_seconds(self, text: &mut String) {
        let at = self.datetime();
        push_digits(text, at.year().unsigned_abs(), 4);
        text.push('-');
        push_digits(text, u8::from(at.month()).into(), 2);
        text.push('-');
        push_digits(text, at.day().into(), 2);
        text.push(' ');
        push_digits(text, at.hour().into(), 2);
        text.push(':');
        push_digits(text, at.minute().into(), 2);
        text.push(':');
        push_digits(text, at.second().into(), 2);
    }

    fn datetime(self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

/// Appends the last `width` decimal digits of `value`, zero-padded.
fn push_digits(text: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = (value / 10u32.pow(place)) % 10;
        text.push(char::from(b'0' + digit as u8));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_formats_like_the_api() {
        let at = Timestamp(1_473_705_929_123_456);
        assert_eq!(at.to_api_string(), "2016-09-12 18:45:29");
        assert_eq!(at.to_activity_string(), "2016-09-12 18:45:29.123456");
        assert_eq!(Timestamp(0).to_activity_string(), "1970-01-01 00:00:00.000000");
        assert_eq!(Timestamp(253_402_300_799_000_007).to_activity_string(), "9999-12-31 23:59:59.000007");
    }

    #[test]
    fn timestamp_sort_key_orders_as_time() {
        assert!(Timestamp(999).sort_key() < Timestamp(1_000).sort_key());
    }

    #[test]
    fn timestamp_never_goes_backwards() {
        let future = Timestamp(Timestamp::now().0 + 60_000_000);
        assert_eq!(Timestamp::now_after(future), Timestamp(future.0 + 1));
    }
}

//! Item sizes as DynamoDB counts them for reads: each attribute's name plus its value, in bytes.
//! The store uses them to stop an unpaged list before it reads too much, and the test meter uses
//! them to count bytes and read capacity units.

use aws_sdk_dynamodb::types::AttributeValue;

use super::Item;

/// Size of an item, per DynamoDB's rules for item size.
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(name, value)| name.len() + value_size(value)).sum()
}

fn value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(text) => text.len(),
        AttributeValue::N(number) => number_size(number),
        AttributeValue::B(blob) => blob.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::Ss(texts) => texts.iter().map(String::len).sum(),
        AttributeValue::Ns(numbers) => numbers.iter().map(|number| number_size(number)).sum(),
        AttributeValue::Bs(blobs) => blobs.iter().map(|blob| blob.as_ref().len()).sum(),
        AttributeValue::L(values) => 3 + values.iter().map(|value| 1 + value_size(value)).sum::<usize>(),
        AttributeValue::M(map) => 3 + map.iter().map(|(name, value)| 1 + name.len() + value_size(value)).sum::<usize>(),
        _ => 0,
    }
}

/// Returns the size of a number: one byte per two significant digits, plus one.
fn number_size(number: &str) -> usize {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len().max(1);
    significant.div_ceil(2) + 1
}

/// Read capacity units of `bytes` read in one unit of charge (a Query page or one item of a
/// batch), in halves: 4 KB per unit, at least one unit, halved for eventually consistent reads.
pub fn read_units_in_halves(bytes: usize, consistent: bool) -> u64 {
    let units = bytes.div_ceil(4096).max(1) as u64;
    if consistent { units * 2 } else { units }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_dynamodb_rules() {
        let item = Item::from([
            ("pk".to_string(), AttributeValue::S("abc".into())),
            ("n".to_string(), AttributeValue::N("12300".into())),
            ("l".to_string(), AttributeValue::L(vec![AttributeValue::Bool(true)])),
        ]);
        assert_eq!(item_size(&item), (2 + 3) + (1 + 3) + (1 + 3 + 1 + 1));
    }

    #[test]
    fn read_units_round_up_per_four_kilobytes() {
        assert_eq!(read_units_in_halves(0, false), 1);
        assert_eq!(read_units_in_halves(4096, false), 1);
        assert_eq!(read_units_in_halves(4097, false), 2);
        assert_eq!(read_units_in_halves(4097, true), 4);
    }
}

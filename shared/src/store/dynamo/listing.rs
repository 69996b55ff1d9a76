//! Customer lists on DynamoDB. Without filters, the team's customer counter gives the total and
//! the `list` index the rows, and a page far from the start jumps through the team's order
//! items, which hold nothing but ids. With filters, each filter's index items give its matches,
//! and [`crate::store::listing::select`] cuts the page that the store then reads by key.

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;

use super::items::{CUSTOMERS_COUNTER, list_start_key};
use super::keys::{index_pk, index_query_prefix, list_pk, order_pk};
use super::size::item_size;
use super::store::read_customers;
use super::{DynamoStore, Item, string, unavailable};
use crate::model::{Customer, Filter, ListQuery, TeamId};
use crate::store::listing::{self, FilterMatches, IndexEntry};
use crate::store::table::LIST_INDEX;
use crate::store::listing::listed_bytes;
use crate::store::{CustomerPage, MAX_LISTED_BYTES, StoreError};

/// Order items read by one Query of a page jump. At about 50 bytes each (70 with a 64-character
/// team id), they stay under the 1 MB that DynamoDB returns per call.
pub const JUMP_STRIDE: usize = 10_000;

impl DynamoStore {
    /// Lists without filters: the total from the counter, the rows from the `list` index.
    pub(super) async fn list_all(&self, team: &TeamId, query: &ListQuery) -> Result<CustomerPage, StoreError> {
        let Some(paging) = query.paging else {
            let customers = self.list_everyone(team).await?;
            let total = customers.len() as u64;
            return Ok(CustomerPage { customers, total, next: None });
        };

        let start = match &query.cursor {
            Some(position) => Some(position.after.clone()),
            None if paging.offset() > 0 => match self.jump(team, paging.offset()).await? {
                Some(last_skipped) => Some(last_skipped),
                None => {
                    let total = self.counter(team, CUSTOMERS_COUNTER).await?;
                    return Ok(CustomerPage { customers: Vec::new(), total, next: None });
                }
            },
            None => None,
        };
        let (total, customers) =
            tokio::try_join!(self.counter(team, CUSTOMERS_COUNTER), self.list_page(team, start, paging.per_page))?;
        let next = listing::next_in_id_order(&customers, paging, total);
        Ok(CustomerPage { customers, total, next })
    }

    /// Returns the id of the `skip`th customer in id order, reading only order items, or `None`
    /// when the team has fewer customers.
    async fn jump(&self, team: &TeamId, skip: usize) -> Result<Option<String>, StoreError> {
        let mut left = skip;
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", string(order_pk(team)))
                .limit(left.min(JUMP_STRIDE) as i32)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            let items = page.items.unwrap_or_default();
            left -= items.len().min(left);
            if left == 0 {
                return Ok(items.last().and_then(|item| text(item, "sk")));
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok(None);
            }
        }
    }

    /// Builds a Query of one partition of the `list` index.
    pub(super) fn list_index_query(&self, pk: String) -> QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .index_name(LIST_INDEX.name)
            .key_condition_expression("gsi1pk = :pk")
            .expression_attribute_values(":pk", string(pk))
    }

    /// Reads one page of the `list` index, starting after the customer `after`.
    async fn list_page(&self, team: &TeamId, after: Option<String>, per_page: u32) -> Result<Vec<Customer>, StoreError> {
        let output = self
            .list_index_query(list_pk(team))
            .limit(per_page as i32)
            .set_exclusive_start_key(after.map(|id| list_start_key(team, &id)))
            .send()
            .await
            .map_err(unavailable)?;
        read_customers(output.items.unwrap_or_default())
    }

    /// Reads every customer of the team in id order, giving up once they pass
    /// [`MAX_LISTED_BYTES`].
    async fn list_everyone(&self, team: &TeamId) -> Result<Vec<Customer>, StoreError> {
        let request = self.list_index_query(list_pk(team));
        let mut items = Vec::new();
        let mut bytes = 0;
        let mut start = None;
        loop {
            let page = request.clone().set_exclusive_start_key(start).send().await.map_err(unavailable)?;
            for item in page.items.unwrap_or_default() {
                bytes += item_size(&item);
                items.push(item);
            }
            if bytes > MAX_LISTED_BYTES {
                return Err(StoreError::TooLarge);
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                return read_customers(items);
            }
        }
    }

    /// Lists with filters: every filter's matches come from its index items, read in parallel;
    /// only the customers of the page are read in full.
    pub(super) async fn list_filtered(&self, team: &TeamId, query: &ListQuery) -> Result<CustomerPage, StoreError> {
        let reads = query.filters.iter().map(|filter| self.filter_matches(team, filter));
        let matches = futures_util::future::try_join_all(reads).await?;
        let selection = listing::select(matches, query);

        let mut customers = Vec::with_capacity(selection.ids.len());
        let mut bytes = 0;
        for chunk in selection.ids.chunks(super::BATCH_GET_KEYS) {
            let read = self.customers_by_id(team, chunk).await?;
            if query.paging.is_none() {
                bytes += listed_bytes(&read);
                if bytes > MAX_LISTED_BYTES {
                    return Err(StoreError::TooLarge);
                }
            }
            customers.extend(read);
        }
        Ok(CustomerPage { customers, total: selection.total, next: selection.next })
    }

    /// Reads the index items that `filter` selects, in sort key order.
    async fn filter_matches(&self, team: &TeamId, filter: &Filter) -> Result<FilterMatches, StoreError> {
        let request = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", string(index_pk(team, filter.field.name())))
            .expression_attribute_values(":prefix", string(index_query_prefix(&filter.value, filter.prefix)));
        let entries = self
            .query_all(request)
            .await?
            .iter()
            .filter_map(|item| Some(IndexEntry { sort_key: text(item, "sk")?, id: text(item, "record_id")? }))
            .collect();
        Ok(FilterMatches { field: filter.field.name().to_string(), entries })
    }
}

fn text(item: &Item, name: &str) -> Option<String> {
    match item.get(name) {
        Some(AttributeValue::S(value)) => Some(value.clone()),
        _ => None,
    }
}

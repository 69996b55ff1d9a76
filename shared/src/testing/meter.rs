//! A DynamoDB client interceptor that counts what each call reads, so tests and benchmarks
//! assert and report read budgets from what the client really did.

use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_dynamodb::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::operation::batch_get_item::{BatchGetItemInput, BatchGetItemOutput};
use aws_sdk_dynamodb::operation::get_item::{GetItemInput, GetItemOutput};
use aws_sdk_dynamodb::operation::query::{QueryInput, QueryOutput};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput;
use aws_smithy_types::config_bag::{Storable, StoreReplace};

use crate::store::dynamo::size::{item_size, read_units_in_halves};

/// Totals of the metered client's calls since the meter was last taken.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reads {
    /// Operation name of every call attempt, in order.
    pub calls: Vec<&'static str>,
    /// Items returned.
    pub items: u64,
    /// Bytes of the items returned, by DynamoDB's item size rules.
    pub bytes: u64,
    /// Read capacity units, in halves.
    rcu_halves: u64,
    /// Queries of a secondary index that asked for a strongly consistent read. DynamoDB rejects
    /// them with a ValidationException on a global secondary index, and so does moto 5.2.
    pub consistent_index_queries: u64,
}

impl Reads {
    /// Read capacity units: 4 KB per unit per Query page and per item of a batch read, halved
    /// for eventually consistent reads.
    pub fn rcu(&self) -> f64 {
        self.rcu_halves as f64 / 2.0
    }

    /// Number of calls of one operation, such as `"Query"`.
    pub fn count(&self, operation: &str) -> usize {
        self.calls.iter().filter(|call| **call == operation).count()
    }
}

/// The interceptor. Clones share one count.
#[derive(Clone, Debug, Default)]
pub struct ReadMeter(Arc<Mutex<Reads>>);

impl ReadMeter {
    /// Returns what was read since the last call, and starts counting again from zero.
    pub fn take(&self) -> Reads {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// The operation of the call in flight, kept in its config bag from input to output.
#[derive(Clone, Debug)]
struct Call {
    operation: &'static str,
    consistent: bool,
    /// A Query of a secondary index with a strongly consistent read.
    consistent_index: bool,
}

impl Storable for Call {
    type Storer = StoreReplace<Self>;
}

impl Intercept for ReadMeter {
    fn name(&self) -> &'static str {
        "ReadMeter"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let input = context.input();
        let call = (|| {
            if let Some(query) = input.downcast_ref::<QueryInput>() {
                let consistent = query.consistent_read == Some(true);
                return Call {
                    operation: "Query",
                    consistent,
                    consistent_index: consistent && query.index_name.is_some(),
                };
            }
            if let Some(get) = input.downcast_ref::<GetItemInput>() {
                return Call {
                    operation: "GetItem",
                    consistent: get.consistent_read == Some(true),
                    consistent_index: false,
                };
            }
            if let Some(batch) = input.downcast_ref::<BatchGetItemInput>() {
                let consistent = batch
                    .request_items
                    .iter()
                    .flatten()
                    .any(|(_, keys)| keys.consistent_read == Some(true));
                return Call {
                    operation: "BatchGetItem",
                    consistent,
                    consistent_index: false,
                };
            }
            if input.downcast_ref::<TransactWriteItemsInput>().is_some() {
                return Call {
                    operation: "TransactWriteItems",
                    consistent: false,
                    consistent_index: false,
                };
            }
            Call {
                operation: "Other",
                consistent: false,
                consistent_index: false,
            }
        })();
        cfg.interceptor_state().store_put(call);
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let call = cfg.load::<Call>().cloned().unwrap_or(Call {
            operation: "Other",
            consistent: false,
            consistent_index: false,
        });
        let mut reads = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        reads.calls.push(call.operation);
        if call.consistent_index {
            reads.consistent_index_queries += 1;
        }
        let Ok(output) = context.output_or_error() else {
            return Ok(());
        };

        if let Some(query) = output.downcast_ref::<QueryOutput>() {
            let bytes: usize = query.items().iter().map(item_size).sum();
            reads.items += query.items().len() as u64;
            reads.bytes += bytes as u64;
            reads.rcu_halves += read_units_in_halves(bytes, call.consistent);
        } else if let Some(get) = output.downcast_ref::<GetItemOutput>() {
            let bytes = get.item().map_or(0, item_size);
            reads.items += u64::from(get.item().is_some());
            reads.bytes += bytes as u64;
            reads.rcu_halves += read_units_in_halves(bytes, call.consistent);
        } else if let Some(batch) = output.downcast_ref::<BatchGetItemOutput>() {
            for item in batch
                .responses()
                .into_iter()
                .flat_map(|tables| tables.values())
                .flatten()
            {
                let bytes = item_size(item);
                reads.items += 1;
                reads.bytes += bytes as u64;
                reads.rcu_halves += read_units_in_halves(bytes, call.consistent);
            }
        }
        Ok(())
    }
}

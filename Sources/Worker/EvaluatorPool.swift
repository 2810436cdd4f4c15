import Model
import Synchronization

/// Network evaluators kept from one batch to the next: a worker scoring many small batches allocates and zeroes
/// their buffers once per model, not once per batch.
///
/// An evaluator's results do not depend on what its buffers held before (every block sets what it reads, and a row's
/// result depends only on the row and the capacity; ``NetworkEvaluator``), so one taken from the pool scores exactly
/// as a new one. The pool keeps the evaluators of at most `models` models (by id and capacity), dropping the least
/// recently used; they hold bank values of their last batch in memory, within the process that scored it. Safe to
/// share between threads.
public final class EvaluatorPool: Sendable {
    /// An evaluator while it sits in the pool: owned by the pool alone until taken.
    private struct Idle: @unchecked Sendable {
        var evaluator: NetworkEvaluator
    }

    private struct Key: Hashable {
        var model: String
        var capacity: Int
    }

    private struct Shelf {
        var idle: [Idle] = []
        var used: UInt64 = 0
    }

    private struct Table {
        var shelves: [Key: Shelf] = [:]
        var clock: UInt64 = 0
    }

    private let table = Mutex(Table())
    /// The most models whose evaluators are kept.
    public let models: Int

    /// Creates an empty pool.
    public init(models: Int = 4) { self.models = max(models, 1) }

    /// An evaluator of `model` for blocks of `capacity` rows: one given back earlier, or a new one.
    func take(model: SplitModel, capacity: Int) -> NetworkEvaluator {
        let key = Key(model: model.id, capacity: capacity)
        let idle = table.withLock { table -> Idle? in
            table.clock += 1
            table.shelves[key, default: Shelf()].used = table.clock
            return table.shelves[key]?.idle.popLast()
        }
        return idle?.evaluator ?? NetworkEvaluator(model: model, capacity: capacity)
    }

    /// Gives evaluators back for later batches; the caller must not use them afterwards.
    func give(_ evaluators: [NetworkEvaluator]) {
        for evaluator in evaluators {
            let idle = Idle(evaluator: evaluator)
            let key = Key(model: evaluator.model.id, capacity: evaluator.capacity)
            table.withLock { table in
                table.clock += 1
                table.shelves[key, default: Shelf()].idle.append(idle)
                table.shelves[key]!.used = table.clock
                while table.shelves.count > models,
                    let oldest = table.shelves.min(by: { $0.value.used < $1.value.used })
                {
                    table.shelves.removeValue(forKey: oldest.key)
                }
            }
        }
    }
}

import Core
import Fixtures
import Foundation
import Model
import Testing

@testable import Worker

/// A worker's evaluators go from batch to batch holding the last batch's values: its scores must not change.
@Suite struct EvaluatorPoolTests {
    let model = try! SplitModel(bytes: Array(BatchScorerTests.modelText.utf8))
    let temp = TemporaryDirectory()

    func scores(_ batch: String, pool: EvaluatorPool, threads: Int = 2) throws -> [UInt8] {
        let paths = ResultPaths(besideScores: temp.file("out-\(UUID().uuidString)/scores.csv"))
        try FileIO.makeDirectories(FileIO.directory(of: paths.scores))
        _ = try BatchScorer(model: model, options: ScoringOptions(threads: threads), evaluators: pool)
            .score(batchDirectory: batch, results: paths)
        return try FileIO.readFile(paths.scores, limit: 1 << 30)
    }

    @Test func reusedEvaluators_scoreEachBatchAsNewOnesDo() throws {
        // A large batch fills every row of the buffers; the small ones after it use a few rows, one without a party.
        let large = try TestBatch.write(directory: temp.file("large"), model: model, customers: 5000, seed: 3)
        let small = try TestBatch.write(directory: temp.file("small"), model: model, customers: 100, seed: 4)
        let partial = try TestBatch.write(
            directory: temp.file("partial"), model: model, customers: 100, seed: 5,
            parties: model.parties.dropLast().map(\.name))
        let shared = EvaluatorPool()
        #expect(try scores(large.directory, pool: shared) == (try scores(large.directory, pool: EvaluatorPool())))
        for batch in [small, partial, small] {
            #expect(try scores(batch.directory, pool: shared) == (try scores(batch.directory, pool: EvaluatorPool())))
        }
    }

    @Test func pool_givesBackWhatItWasGivenAndKeepsItsModelLimit() throws {
        let pool = EvaluatorPool(models: 2)
        let first = pool.take(model: model, capacity: 64)
        pool.give([first])
        #expect(pool.take(model: model, capacity: 64) === first)
        #expect(pool.take(model: model, capacity: 64) !== first, "taken once, it is no longer in the pool")
        pool.give([first])
        // Two other shelves (capacities) push the least recently used one out.
        pool.give([pool.take(model: model, capacity: 32)])
        pool.give([pool.take(model: model, capacity: 16)])
        #expect(pool.take(model: model, capacity: 64) !== first)
    }
}

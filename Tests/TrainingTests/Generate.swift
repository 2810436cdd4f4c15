import Fixtures
import Foundation
import Training

/// Writes a `vfl gen` batch into a new folder of `temp` and returns its path.
func generate(
    _ customers: Int, in temp: TemporaryDirectory, seed: UInt64 = 1, labels: Bool = false, threads: Int = 2,
    shift: Double = 0, scoreColumn: Bool = false
) throws -> String {
    var options = Generator.Options(customers: customers)
    options.seed = seed
    options.labels = labels
    options.threads = threads
    options.shift = shift
    options.scoreColumn = scoreColumn
    let directory = temp.file("gen-\(UUID().uuidString)")
    _ = try Generator(options: options).write(to: directory)
    return directory
}

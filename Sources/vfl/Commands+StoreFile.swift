import Core
import Dispatch
import Store

extension Commands {
    /// Checks every second that the store's database file is still the file at its path (``JobStore/checkFile``).
    /// When it is not, `/ready` already answers 503; the check logs an error and, a second later, sets
    /// ``terminationRequested`` so that the process stops as on SIGTERM, and exits 1 for its supervisor to restart it.
    ///
    /// - Returns: A flag set once the file was found deleted or replaced (the process's exit status is then 1).
    static func watchStoreFile(_ store: any JobStore, logger: Logger) -> Flag {
        let changed = Flag()
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "vfl.store-file"))
        timer.schedule(deadline: .now() + 1, repeating: 1)
        timer.setEventHandler {
            if changed.isSet {
                terminationRequested.set()
                timer.cancel()
            } else if (try? store.checkFile(logger: logger)) == nil {
                changed.set()
            }
        }
        timer.resume()
        return changed
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where log records go. The `vfl` executable installs the only real sink (stderr, JSON lines).
public protocol LogSink: Sendable {
    /// Writes one record.
    func write(_ record: LogRecord)
}

/// One log record: constant message, data in metadata.
public struct LogRecord: Sendable {
    /// Severity.
    public var level: Logger.Level
    /// The logger's label (the component).
    public var label: String
    /// A constant message.
    public var message: String
    /// Data, as dotted keys. Never a customer key or a feature value.
    public var metadata: [(String, String)]
}

/// A value-type logger with a label, a minimum level and metadata, in the manner of swift-log.
public struct Logger: Sendable {
    /// Severity levels, lowest first.
    public enum Level: Int, Sendable, Comparable, CustomStringConvertible {
        /// Very detailed.
        case trace
        /// Diagnostic.
        case debug
        /// Routine events.
        case info
        /// Something to look at.
        case warning
        /// A failure.
        case error

        /// Orders levels by severity.
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }

        /// The level's name.
        public var description: String {
            switch self {
            case .trace: "trace"
            case .debug: "debug"
            case .info: "info"
            case .warning: "warning"
            case .error: "error"
            }
        }

        /// Parses a level name.
        public init?(name: String) {
            switch name.lowercased() {
            case "trace": self = .trace
            case "debug": self = .debug
            case "info": self = .info
            case "warning", "warn": self = .warning
            case "error": self = .error
            default: return nil
            }
        }
    }

    /// The component name.
    public var label: String
    /// Records below this level are dropped.
    public var level: Level
    /// Metadata added to every record.
    public var metadata: [(String, String)] = []
    private let sink: (any LogSink)?

    /// Creates a logger writing to `sink`; a `nil` sink drops everything.
    public init(label: String, level: Level = .info, sink: (any LogSink)?) {
        self.label = label
        self.level = level
        self.sink = sink
    }

    /// A logger that writes nothing.
    public static let disabled = Logger(label: "disabled", sink: nil)

    /// A copy with more metadata (for a job or a request).
    public func with(_ key: String, _ value: String) -> Logger {
        var copy = self
        copy.metadata.append((key, value))
        return copy
    }

    /// Logs at `level`.
    public func log(
        _ level: Level, _ message: @autoclosure () -> String, metadata: @autoclosure () -> [(String, String)] = []
    ) {
        guard level >= self.level, let sink else { return }
        sink.write(LogRecord(level: level, label: label, message: message(), metadata: self.metadata + metadata()))
    }

    /// Logs routine detail.
    public func debug(_ message: @autoclosure () -> String, metadata: @autoclosure () -> [(String, String)] = []) {
        log(.debug, message(), metadata: metadata())
    }

    /// Logs a routine event.
    public func info(_ message: @autoclosure () -> String, metadata: @autoclosure () -> [(String, String)] = []) {
        log(.info, message(), metadata: metadata())
    }

    /// Logs something to look at.
    public func warning(_ message: @autoclosure () -> String, metadata: @autoclosure () -> [(String, String)] = []) {
        log(.warning, message(), metadata: metadata())
    }

    /// Logs a failure.
    public func error(_ message: @autoclosure () -> String, metadata: @autoclosure () -> [(String, String)] = []) {
        log(.error, message(), metadata: metadata())
    }
}

/// Writes each record to standard error as one JSON object per line.
public struct StderrJSONSink: LogSink {
    /// Creates the sink.
    public init() {}

    /// Writes one line with `ts`, `level`, `label`, `msg` and the metadata.
    public func write(_ record: LogRecord) {
        var members: [(String, JSONValue)] = [
            ("ts", .string(Timestamp.now().iso8601)), ("level", .string(record.level.description)),
            ("label", .string(record.label)), ("msg", .string(record.message)),
        ]
        for (key, value) in record.metadata { members.append((key, .string(value))) }
        var line = JSONValue.object(members).text
        line += "\n"
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                offset += n
            }
        }
    }
}

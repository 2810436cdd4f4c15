import Core
import Model
import Worker

#if canImport(Glibc)
import Glibc
#endif

/// The `vfl` command line: picks a command, reads its options (flags win over environment variables), runs it.
/// Exit status: 0 success, 1 failure, 2 bad usage.

BLAS.prepareEnvironment(arguments: CommandLine.arguments)
signal(SIGPIPE, SIG_IGN)

let environment = Environment.current
let logger = Logger(
    label: "vfl", level: Logger.Level(name: environment[Setting.logLevel.variable!] ?? "") ?? .info,
    sink: StderrJSONSink())
let arguments = Array(CommandLine.arguments.dropFirst())
let status = Commands.run(arguments, environment: environment, logger: logger)
exit(status)

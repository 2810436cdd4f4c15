internal import CLinux

#if canImport(Glibc)
import Glibc
#endif

/// Ties a child of `vfl run` to its supervisor's life: when the supervisor dies, even by SIGKILL, the child gets
/// SIGTERM and stops as it does on Ctrl-C, instead of running on as an orphan.
///
/// posix_spawn(3) cannot run code in the child before exec, so the child arms this itself: ``Supervisor`` passes its
/// pid in ``environmentVariable`` and every role calls ``arm(environment:logger:)`` first thing.
public enum ParentWatch {
    /// The environment variable in which ``Supervisor`` passes its pid to its children.
    public static let environmentVariable = "VFL_SUPERVISOR_PID"

    /// When `environment` names a supervisor: asks the kernel for SIGTERM when the parent dies (prctl(2)
    /// `PR_SET_PDEATHSIG`), then checks that the parent (getppid(2)) is still that supervisor, and exits at once with
    /// status 1 when it is not (it died before the request was made, and the signal will never come). Without the
    /// variable (docker-compose, Kubernetes, a shell) it does nothing.
    ///
    /// The kernel sends the signal when the *thread* that spawned the child ends: ``Supervisor`` spawns from the
    /// thread that drives it, the main thread of `vfl run`.
    ///
    /// - Throws: ``SystemError`` when prctl(2) fails.
    public static func arm(environment: [String: String], logger: Logger) throws {
        guard let text = environment[environmentVariable], !text.isEmpty else { return }
        guard let supervisor = pid_t(text), supervisor > 0 else {
            logger.warning(
                "not a pid; this process will not stop with its supervisor",
                metadata: [("variable", environmentVariable), ("value", text)])
            return
        }
        try retryingSyscall("prctl") { vfl_set_parent_death_signal(SIGTERM) }
        let parent = getppid()
        guard parent == supervisor else {
            logger.error(
                "the supervisor is gone (it died before this process started); exiting",
                metadata: [("supervisor_pid", "\(supervisor)"), ("parent_pid", "\(parent)")])
            exit(1)
        }
    }
}

internal import COpenBLAS
import Core

#if canImport(Glibc)
import Glibc
#endif

/// vfl's use of OpenBLAS: single-precision matrix products, the thread count, and the kernel choice.
///
/// Thread use is explicit: vfl parallelizes over blocks of rows itself, so OpenBLAS runs one thread per
/// caller (``configure(threads:)``), and worker threads x BLAS threads never exceed the cores.
///
/// Kernel choice: Debian's OpenBLAS 0.3.21 does not recognise recent CPUs and falls back to generic kernels.
/// OpenBLAS reads `OPENBLAS_CORETYPE` once, when the library loads, so ``prepareEnvironment(arguments:)``
/// picks a kernel family from the CPU's flags and re-executes the process with it set, before any BLAS call
/// (see docs/operations.md, "Threads and BLAS kernels").
/// ``selfCheck()`` then verifies the chosen kernels against a scalar product, and ``placementCheck()`` that a row's
/// result does not depend on where it sits in a block.
public enum BLAS {
    /// The kernel family OpenBLAS is using (e.g. `SkylakeX`, `Haswell`, `Prescott`).
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// OpenBLAS's build configuration string.
    public static var configuration: String {
        guard let config = openblas_get_config() else { return "unknown" }
        return String(cString: config)
    }

    /// Sets OpenBLAS's thread count.
    public static func configure(threads: Int) {
        openblas_set_num_threads(Int32(max(1, threads)))
    }

    /// OpenBLAS's current thread count.
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// `C = alpha * A * op(B) + beta * C`, row-major, float32. Wraps `cblas_sgemm`.
    ///
    /// - Parameters:
    ///   - m: Rows of A and C.
    ///   - n: Columns of C.
    ///   - k: Columns of A, rows of op(B).
    ///   - a: A, `m x k`, leading dimension `lda`.
    ///   - b: B, `k x n` (or `n x k` when `transposeB`), leading dimension `ldb`.
    ///   - c: C, `m x n`, leading dimension `ldc`.
    @inline(__always)
    public static func sgemm(
        m: Int, n: Int, k: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>,
        ldb: Int, transposeB: Bool = false, beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, blasint(m), blasint(n), blasint(k),
            alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// The OpenBLAS kernel family vfl scores with on this CPU, from the flags in /proc/cpuinfo, or `nil` to leave
    /// OpenBLAS's own.
    ///
    /// Never `Haswell`: OpenBLAS 0.3.21's AVX2 kernels compute the last bits of a row's product differently depending on
    /// where the row sits in the matrix (measured: 9% of rows changed in their last bits when moved by 1 to 13
    /// places), so a batch scored whole and the same batch scored in buckets would differ (``placementCheck()``). An
    /// AVX2 CPU without AVX-512 scores on the AVX kernels (`SandyBridge`), which pass the check.
    public static func preferredCoreType(cpuFlags: Set<String>) -> String? {
        let avx512 = cpuFlags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"])
        if avx512 && cpuFlags.contains("avx512_bf16") { return "Cooperlake" }
        if avx512 { return "SkylakeX" }
        if cpuFlags.contains("avx") { return "SandyBridge" }
        return nil
    }

    /// The kernel family `vfl train` uses: `Haswell` (AVX2) on every CPU that has it, so that the same data and seed
    /// give the same model file on every such machine (training's blocks always start at the same rows, so the
    /// kernels' dependence on a row's place does not matter there); otherwise ``preferredCoreType(cpuFlags:)``.
    public static func trainingCoreType(cpuFlags: Set<String>) -> String? {
        cpuFlags.isSuperset(of: ["avx2", "fma"]) ? "Haswell" : preferredCoreType(cpuFlags: cpuFlags)
    }

    /// The flags of the first processor in /proc/cpuinfo (empty when unreadable).
    public static func cpuFlags() -> Set<String> {
        guard let bytes = try? FileIO.readFile("/proc/cpuinfo", limit: 1 << 22) else { return [] }
        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
        return []
    }

    /// Prepares OpenBLAS's environment and re-executes the process once so that it takes effect.
    ///
    /// `VFL_BLAS_CORETYPE` chooses: `auto` (the default) picks the kernel family from the CPU flags and sets
    /// `OPENBLAS_CORETYPE` to it, overriding a value inherited from the environment; `default` leaves the
    /// environment and OpenBLAS's own detection alone; any other value is passed as `OPENBLAS_CORETYPE`.
    /// `vfl train` uses ``trainingCoreType(cpuFlags:)``.
    /// `OPENBLAS_NUM_THREADS` is set to 1 unless already set (vfl runs its own threads). Returns only when no
    /// re-execution was needed or it failed.
    public static func prepareEnvironment(arguments: [String]) {
        guard getenv("VFL_BLAS_PREPARED") == nil else { return }
        setenv("VFL_BLAS_PREPARED", "1", 1)
        var changed = false
        if getenv("OPENBLAS_NUM_THREADS") == nil {
            setenv("OPENBLAS_NUM_THREADS", "1", 1)
            changed = true
        }
        let choice = getenv("VFL_BLAS_CORETYPE").map { String(cString: $0) } ?? "auto"
        let training = arguments.count > 1 && arguments[1] == "train"
        let core: String? =
            choice == "auto"
            ? (training ? trainingCoreType(cpuFlags: cpuFlags()) : preferredCoreType(cpuFlags: cpuFlags()))
            : choice == "default" ? nil : choice
        let current = getenv("OPENBLAS_CORETYPE").map { String(cString: $0) }
        if let core, core != current {
            setenv("OPENBLAS_CORETYPE", core, 1)
            changed = true
        }
        guard changed else { return }
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", argv)
        // execv returned: carry on with whatever OpenBLAS chose at load time.
    }

    /// Compares a BLAS product with a scalar float64 product on fixed pseudo-random matrices.
    ///
    /// - Returns: The largest relative difference; a correct kernel gives about 1e-6.
    public static func selfCheck() -> Double {
        let m = 37
        let n = 29
        let k = 68
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 1000
        }
        let a = (0..<m * k).map { _ in next() }
        let b = (0..<k * n).map { _ in next() }
        var c = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    sgemm(
                        m: m, n: n, k: k, a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: n, c: pc.baseAddress!,
                        ldc: n)
                }
            }
        }
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                var magnitude = 0.0
                for t in 0..<k {
                    sum += Double(a[i * k + t]) * Double(b[t * n + j])
                    magnitude += abs(Double(a[i * k + t]) * Double(b[t * n + j]))
                }
                worst = max(worst, abs(Double(c[i * n + j]) - sum) / max(magnitude, 1e-30))
            }
        }
        return worst
    }

    /// Whether a row's product is the same, bit for bit, wherever the row sits in the matrix: fixed pseudo-random
    /// rows are multiplied in place and again moved by 1 to 12 rows, in products as large as a scoring block's (2,048
    /// rows: OpenBLAS picks other code paths by size) and of the shapes of the shipped network's layers and others
    /// (both the forward products and the backward ones, `transposeB`).
    ///
    /// vfl's determinism rests on it: the pipeline scores a large batch in hash buckets, so a customer sits at another
    /// place in its block than in `vfl score`'s pass over the whole batch, and both must give the same bytes.
    public static func placementCheck() -> Bool {
        let rows = 2048
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 1000
        }
        for (k, n) in [(34, 32), (32, 8), (36, 32), (32, 1), (1, 36), (68, 32), (8, 16)] {
            let a = (0..<rows * k).map { _ in next() }
            let b = (0..<k * n).map { _ in next() }
            for transposeB in [false, true] {
                let placed = product(a, rows: rows, k: k, b, n: n, transposeB: transposeB)
                for shift in 1...12 {
                    // Row r of the moved matrix is row r + shift of the original (wrapping around).
                    var moved = [Float]()
                    moved.reserveCapacity(rows * k)
                    for r in 0..<rows {
                        let source = (r + shift) % rows
                        moved += a[source * k..<(source + 1) * k]
                    }
                    let product = product(moved, rows: rows, k: k, b, n: n, transposeB: transposeB)
                    for r in 0..<rows {
                        let source = (r + shift) % rows
                        for j in 0..<n where product[r * n + j].bitPattern != placed[source * n + j].bitPattern {
                            return false
                        }
                    }
                }
            }
        }
        return true
    }

    /// `a * b` (or `a * bᵀ`), `rows x n`, for the checks.
    private static func product(
        _ a: [Float], rows: Int, k: Int, _ b: [Float], n: Int, transposeB: Bool
    ) -> [Float] {
        var c = [Float](repeating: 0, count: rows * n)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    sgemm(
                        m: rows, n: n, k: k, a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: transposeB ? k : n,
                        transposeB: transposeB, c: pc.baseAddress!, ldc: n)
                }
            }
        }
        return c
    }
}

#if FUZZING
import Foundation
import MedLedgerFuzzTargets

/// The target this fuzzing process drives, named by `MEDLEDGER_FUZZ_TARGET`; chosen once, before
/// the first input.
let selectedTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["MEDLEDGER_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("set MEDLEDGER_FUZZ_TARGET to one of: \(names)\n".utf8))
        exit(2)
    }
    return target
}()

/// libFuzzer's entry point: one input per call. A trap or a broken invariant stops the process,
/// and libFuzzer saves the input that did it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { UnsafeRawBufferPointer(start: $0, count: size) } ?? UnsafeRawBufferPointer(start: nil, count: 0)
    selectedTarget.run(input)
    return 0
}

/// libFuzzer's driver (`int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*)(const uint8_t *, size_t))`),
/// in the fuzzer runtime that `-sanitize=fuzzer` links.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The process entry point of a fuzzing build. SwiftPM links every executable's `main` to its
/// module's entry point, so this hands the command line to libFuzzer's driver rather than relying
/// on the runtime's own `main`.
@main
struct FuzzingMain {
    static func main() {
        _ = selectedTarget
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv, fuzzTestOneInput))
    }
}
#endif

import ArgumentParser
import BatchKitCore
import BatchProcessing
import DenseKernels

/// libFuzzer entry point: any command line given to the scheduler flags `infer` and `bench` share must
/// be refused with a message or give settings every later step accepts — never trap.
///
/// The input is split at NUL bytes into arguments. What parses goes on as `batchkit infer` takes it:
/// ``SchedulerOptions/settings(over:)``, the processor configuration's validation, and
/// ``InferPipeline/plan(model:settings:)`` for the built-in `linear256` (the memory check that refuses
/// a batch too large for the machine before allocating it). Nothing is allocated for the batch itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let arguments = UnsafeBufferPointer(start: data, count: size)
        .split(separator: 0, omittingEmptySubsequences: false)
        .map { String(decoding: $0, as: UTF8.self) }
    let options: SchedulerOptions
    do {
        options = try SchedulerOptions.parse(arguments)
    } catch {
        // A refusal must come with text for the user.
        precondition(!SchedulerOptions.message(for: error).isEmpty, "a refusal without a message")
        return 0
    }
    let settings = options.settings(over: SchedulerSettings())
    if let maxBatchSize = options.maxBatchSize { precondition(settings.maxBatchSize == maxBatchSize) }
    do {
        try settings.configuration.validate()
    } catch {
        preconditionFailure("flags that parse gave a configuration the processor refuses: \(error)")
    }
    if let plan = try? InferPipeline.plan(model: model, settings: settings) {
        precondition(plan.rowCap >= 1 && plan.rowCap <= settings.maxBatchSize, "row cap \(plan.rowCap) out of range")
        precondition(plan.window >= plan.rowCap, "window \(plan.window) below the row cap \(plan.rowCap)")
    }
    return 0
}

private let model = DenseModel.linear256()

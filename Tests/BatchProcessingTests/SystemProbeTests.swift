import Foundation
import Testing

@testable import BatchProcessing

/// A directory laid out like `/proc` (`self/stat`, `self/statm`, `meminfo`), removed when released.
private final class FakeProc {
    let path: String

    init(stat: String, statm: String, meminfo: String) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("proc-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path + "/self", withIntermediateDirectories: true)
        try write(stat: stat, statm: statm, meminfo: meminfo)
    }

    func write(stat: String, statm: String, meminfo: String) throws {
        try stat.write(toFile: path + "/self/stat", atomically: true, encoding: .utf8)
        try statm.write(toFile: path + "/self/statm", atomically: true, encoding: .utf8)
        try meminfo.write(toFile: path + "/meminfo", atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A `/proc/self/stat` line with the given command name and CPU ticks (utime, stime).
private func statLine(name: String = "batchkit", utime: UInt64, stime: UInt64) -> String {
    "4242 (\(name)) S 1 4242 4242 0 -1 4194560 1520 0 0 0 \(utime) \(stime) 0 0 20 0 3 0 12345 "
        + "123456789 2000 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n"
}

private let meminfo = """
    MemTotal:       16000000 kB
    MemFree:         1000000 kB
    MemAvailable:    4000000 kB
    Buffers:          200000 kB
    Cached:          3000000 kB

    """

@Suite struct SystemProbeTests {
    // MARK: Parsing

    @Test func residentPagesIsTheSecondFieldOfStatm() {
        #expect(SystemProbe.residentPages(statm: "12345 678 90 1 0 456 0\n") == 678)
        #expect(SystemProbe.residentPages(statm: "7 0") == 0)
    }

    @Test(arguments: ["", "\n", "12345", "12345 x 1", "a 678", "1 -5 0", "1 99999999999999999999999"])
    func malformedStatmIsNil(_ text: String) {
        #expect(SystemProbe.residentPages(statm: text) == nil)
    }

    @Test func cpuTicksAddUserAndSystemTime() {
        #expect(SystemProbe.cpuTicks(stat: statLine(utime: 150, stime: 25)) == 175)
    }

    @Test func cpuTicksCountFieldsFromTheLastParenthesis() {
        // A command name may hold spaces and parentheses (`prctl(PR_SET_NAME)` allows any bytes).
        #expect(SystemProbe.cpuTicks(stat: statLine(name: "a) b (c) 1 2 3", utime: 7, stime: 8)) == 15)
    }

    @Test(arguments: [
        "", "4242 batchkit S 1 2 3 4 5 6 7 8 9 10 11 12", "4242 (batchkit) S 1 4242",
        "4242 (x) S 1 2 3 4 5 6 7 8 9 x 11",
        "4242 (x) S 1 2 3 4 5 6 7 8 9 -1 11", "4242 (x) S 1 2 3 4 5 6 7 8 9 18446744073709551615 1",
    ])
    func malformedStatIsNil(_ text: String) {
        #expect(SystemProbe.cpuTicks(stat: text) == nil)
    }

    @Test func memoryUseIsOneMinusAvailableOverTotal() throws {
        let percent = try #require(SystemProbe.memoryUsePercent(meminfo: meminfo))
        #expect(abs(percent - 75) < 1e-9)
        #expect(SystemProbe.memoryUsePercent(meminfo: "MemAvailable: 10 kB\nMemTotal: 10 kB\n") == 0)
        #expect(SystemProbe.memoryUsePercent(meminfo: "MemTotal: 10 kB\nMemAvailable: 0 kB\n") == 100)
    }

    @Test(arguments: [
        "", "MemTotal: 100 kB\n", "MemAvailable: 50 kB\n", "MemTotal: 0 kB\nMemAvailable: 0 kB\n",
        "MemTotal: 100 kB\nMemAvailable: 200 kB\n", "MemTotal: x kB\nMemAvailable: 1 kB\n",
        "MemTotal: 100 kB\nMemAvailable: -1 kB\n", "MemTotal:\nMemAvailable:\n",
    ])
    func malformedMeminfoIsNil(_ text: String) {
        #expect(SystemProbe.memoryUsePercent(meminfo: text) == nil)
    }

    @Test func cpuPercentIsCPUSecondsOverWallSeconds() throws {
        let start = ContinuousClock.now
        let earlier = SystemProbe.CPUSample(ticks: 100, takenAt: start)
        let later = SystemProbe.CPUSample(ticks: 400, takenAt: start + .seconds(2))
        // 300 ticks at 100 per second = 3 CPU seconds in 2 wall seconds: one and a half cores.
        let percent = try #require(SystemProbe.cpuPercent(from: earlier, to: later, ticksPerSecond: 100))
        #expect(abs(percent - 150) < 1e-9)
        #expect(SystemProbe.cpuPercent(from: later, to: earlier, ticksPerSecond: 100) == nil)
        #expect(SystemProbe.cpuPercent(from: earlier, to: earlier, ticksPerSecond: 100) == nil)
        let backwards = SystemProbe.CPUSample(ticks: 50, takenAt: start + .seconds(1))
        #expect(SystemProbe.cpuPercent(from: earlier, to: backwards, ticksPerSecond: 100) == nil)
    }

    // MARK: Reading files

    @Test func missingFileIsUnreadable() {
        #expect {
            try SystemProbe.readText("/nonexistent/proc/meminfo")
        } throws: { error in
            guard case .unreadable(let path, _) = error as? SystemProbeError else { return false }
            return path == "/nonexistent/proc/meminfo"
        }
    }

    @Test func probeReadsAFakeProcDirectory() throws {
        let proc = try FakeProc(
            stat: statLine(utime: 100, stime: 0), statm: "1000 250 10 1 0 100 0\n", meminfo: meminfo)
        let probe = SystemProbe(procDirectory: proc.path)
        try proc.write(stat: statLine(utime: 100, stime: 500), statm: "1000 250 10 1 0 100 0\n", meminfo: meminfo)
        let snapshot = try probe.snapshot()
        #expect(snapshot.rssBytes == 250 * Int(sysconf(Int32(_SC_PAGESIZE))))
        #expect(abs(snapshot.systemMemoryPercent - 75) < 1e-9)
        #expect(snapshot.cores == SystemProbe.cpuCount)
        // 500 ticks (5 CPU seconds at the usual 100 Hz) in the milliseconds since init: many cores.
        let cpu = try #require(snapshot.processCPUPercent)
        #expect(cpu > 100)
    }

    @Test func malformedFilesThrowTypedErrors() throws {
        let proc = try FakeProc(stat: "garbage", statm: "1000 250\n", meminfo: meminfo)
        let probe = SystemProbe(procDirectory: proc.path)
        #expect(
            throws: SystemProbeError.malformed(
                path: proc.path + "/self/stat", detail: "expected utime and stime after the command name")
        ) {
            try probe.snapshot()
        }
        try proc.write(stat: statLine(utime: 1, stime: 1), statm: "1000\n", meminfo: meminfo)
        #expect(throws: SystemProbeError.self) { try probe.snapshot() }
        try proc.write(stat: statLine(utime: 1, stime: 1), statm: "1000 250\n", meminfo: "MemTotal: 0 kB\n")
        #expect(throws: SystemProbeError.self) { try probe.snapshot() }
        // A probe whose baseline failed still reports memory, and CPU from its second snapshot on.
        try proc.write(stat: statLine(utime: 1, stime: 1), statm: "1000 250\n", meminfo: meminfo)
        #expect(try probe.snapshot().processCPUPercent == nil)
        #expect(try probe.snapshot().processCPUPercent != nil)
    }

    // MARK: This machine

    @Test func realProcValuesArePlausible() throws {
        let probe = SystemProbe()
        // Spend a little CPU so the interval has something to measure.
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .milliseconds(50) {}
        let snapshot = try probe.snapshot()
        #expect(snapshot.rssBytes > 1 << 20 && snapshot.rssBytes < 1 << 40)
        #expect(snapshot.systemMemoryPercent > 0 && snapshot.systemMemoryPercent < 100)
        #expect(snapshot.cores >= 1 && snapshot.cores == SystemProbe.cpuCount)
        let cpu = try #require(snapshot.processCPUPercent)
        #expect(cpu >= 0 && cpu <= 100 * Double(snapshot.cores) * 1.5)
        let normalised = try #require(snapshot.processCPUPercentOfAllCores)
        #expect(abs(normalised * Double(snapshot.cores) - cpu) < 1e-9)
        #expect(snapshot.takenAt <= ContinuousClock.now)
    }
}

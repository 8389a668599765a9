@testable import ColanCore
@testable import ColanPull
import Foundation
import Testing

/// A transport that answers every request from a closure (no network).
struct StubTransport: HTTPTransport {
    let answer: @Sendable (HTTPRequest) async throws -> HTTPResponse
    func send(_ request: HTTPRequest, timeout: Double) async throws -> HTTPResponse { try await answer(request) }
}

/// The planning rules of colan pull, without a server: periods, alignment, where a pull
/// starts, retries and secrets.
struct PlanningTests {
    static func session(_ store: String, vendor: String = "amagi") throws -> PullSession {
        let fetcher = Fetcher(transport: StubTransport { _ in HTTPResponse(status: 500) }, policy: RetryPolicy(), concurrency: 1)
        return try PullSession(store: store, vendor: vendor, fetcher: fetcher, redact: Redactor([]), importOptions: ImportOptions(),
                               dryRun: true, authorize: { $0 })
    }

    @Test func daysParseFormatAndKnowTheirWeekday() throws {
        #expect(Day("2021-10-10")?.weekday == 0)  // a Sunday
        #expect(Day("2021-12-06")?.weekday == 1)  // a Monday
        #expect(Day("2024-02-29")?.description == "2024-02-29")
        #expect(Day("2023-02-29") == nil && Day("2021-13-01") == nil && Day("21-10-10") == nil)
        #expect(Day("2021-12-31")!.nextMonthStart.description == "2022-01-01")
        let spans = Day.spans(from: Day("2021-09-01")!, to: Day("2021-11-15")!, days: 30)
        #expect(spans.map { "\($0.0)_\($0.1)" } == ["2021-09-01_2021-09-30", "2021-10-01_2021-10-30", "2021-10-31_2021-11-15"])
        let pacific = try ZoneOffsets.named("US/Pacific")
        #expect(Day(at: 1_633_046_400, in: pacific).description == "2021-09-30")  // 2021-10-01T00:00Z is still Sept 30 in Pacific
    }

    @Test func uniqueViewerPeriodsAreWholeWeeksAndMonthsThatHaveEnded() {
        let weeks = AmagiPull.periods("WEEKLY", from: Day("2021-10-12")!, to: Day("2021-10-30")!)
        #expect(weeks.map { "\($0.0)_\($0.1)" } == ["2021-10-10_2021-10-16", "2021-10-17_2021-10-23", "2021-10-24_2021-10-30"])
        let months = AmagiPull.periods("MONTHLY", from: Day("2021-09-15")!, to: Day("2021-11-29")!)
        #expect(months.map { "\($0.0)_\($0.1)" } == ["2021-09-01_2021-09-30", "2021-10-01_2021-10-31"])
        #expect(AmagiPull.periods("DAILY", from: Day("2021-09-29")!, to: Day("2021-10-01")!).count == 3)
    }

    @Test func splitsMakeEveryCombination() throws {
        let device = try AmagiPull.parseSplit("deviceType")
        #expect(device.values.count == 8 && device.values.contains("Smart TV"))
        #expect(try AmagiPull.parseSplit("country").values.contains("Canada"))
        let slices = AmagiPull.slices([("deviceType", ["Roku", "TV"]), ("country", ["Canada", "Mexico", "Peru"])])
        #expect(slices.count == 6)
        #expect(throws: ColanError.self) { try AmagiPull.parseSplit("city") }
        #expect(throws: ColanError.self) { try AmagiPull.parseSplit("channelId=a") }
    }

    @Test func aPullContinuesFromTheLastDayHeldMinusTheLookback() throws {
        let paths = ["s/raw/amagi/2026-12-01T060000Z/viewershipAnalytics/DAILY.US%2FPacific/channelId=a/2021-09-01_2021-09-30.json.zst",
                     "s/raw/amagi/2026-12-02T060000Z/viewershipAnalytics/DAILY.US%2FPacific/channelId=a/2021-09-28_2021-10-01.json.zst",
                     "s/raw/amagi/2026-12-02T060000Z/contentAnalytics/DAILY.US%2FPacific/channelId=a/2021-09-28_2021-10-01.p2.json.zst",
                     "s/raw/amagi/2026-12-02T060000Z/concurrentUsers/channelId=a/2026-12-02T060001Z.json.zst",
                     "elsewhere/file.json"]
        let held = PullSession.heldRanges(sourcePaths: paths, vendor: "amagi")
        let unit = "viewershipAnalytics/DAILY.US%2FPacific/channelId=a"
        #expect(held[unit]?.first.description == "2021-09-01" && held[unit]?.last.description == "2021-10-01")
        #expect(held["contentAnalytics/DAILY.US%2FPacific/channelId=a"]?.last.description == "2021-10-01")
        #expect(held.count == 2)
    }

    @Test func weeklySchedulesStartOnMondaysAndOnlyEndedPeriodsArePulled() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("colan-pull-\(UUID().uuidString)").path
        let session = try Self.session(dir, vendor: "amagi-scheduled")
        var pull = AmagiScheduledPull(token: Secret("t0ken-value"), schedule: "S 1")
        pull.every = .weekly
        pull.from = Day("2021-12-06")
        pull.to = Day("2021-12-25")
        let jobs = try pull.plan(session: session, today: Day("2021-12-30")!)
        #expect(jobs.map(\.label) == ["schedule S 1 2021-12-06..2021-12-12", "schedule S 1 2021-12-13..2021-12-19"])
        pull.from = Day("2021-12-07")
        #expect(throws: ColanError.self) { try pull.plan(session: session, today: Day("2021-12-30")!) }
        pull.every = .monthly
        pull.from = Day("2021-11-01")
        pull.to = nil
        #expect(try pull.plan(session: session, today: Day("2022-01-01")!).map(\.label)
                == ["schedule S 1 2021-11-01..2021-11-30", "schedule S 1 2021-12-01..2021-12-31"])
    }

    @Test func retryAfterIsReadAsSecondsOrADate() {
        #expect(Fetcher.retryAfterSeconds("7") == 7)
        #expect(Fetcher.retryAfterSeconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0)  // in the past: no wait
        #expect(Fetcher.retryAfterSeconds("soon") == nil)
    }

    @Test func refusalsAreNotRetriedAndServerErrorsAre() async throws {
        final class Counter: @unchecked Sendable { var calls = 0 }
        let counter = Counter()
        var policy = RetryPolicy()
        policy.baseDelay = 0
        policy.attempts = 3
        let failing = Fetcher(transport: StubTransport { _ in
            counter.calls += 1
            return HTTPResponse(status: 503, body: Array(#"{"message":"busy"}"#.utf8))
        }, policy: policy, concurrency: 1)
        await #expect(throws: FetchFailure.self) { try await failing.fetch(HTTPRequest(.get, "http://x/")) }
        #expect(counter.calls == 3)
        counter.calls = 0
        let refusing = Fetcher(transport: StubTransport { _ in
            counter.calls += 1
            return HTTPResponse(status: 422, body: Array(#"{"statusCode":422,"message":"customer_id or channel_id should be sent in query"}"#.utf8))
        }, policy: policy, concurrency: 1)
        do {
            _ = try await refusing.fetch(HTTPRequest(.get, "http://x/"))
            Issue.record("a 422 was not refused")
        } catch let failure as FetchFailure {
            #expect(failure.description == "HTTP 422: customer_id or channel_id should be sent in query")
            #expect(failure.stopsChannel)
        }
        #expect(counter.calls == 1)
    }

    @Test func secretsAreRedactedEverywhere() {
        let token = Secret("abcd-1234-secret")
        #expect("\(token)" == "***")
        let redact = Redactor([token])
        #expect(redact("GET x?t=abcd-1234-secret and abcd-1234-secret") == "GET x?t=*** and ***")
        #expect(percentEncoded("US/Pacific Smart TV") == "US%2FPacific%20Smart%20TV")
    }
}

import Foundation

/// The network summary: every clinic's nightly report for one day (each on its own calendar)
/// and the network's totals of the figures that add up.
public struct NetworkReport: Codable, Hashable, Sendable {
    /// The day asked for: `yesterday`, `today` or a date; each clinic resolves it in its zone.
    public var day: String
    public var generatedAt: Date
    /// One report per clinic, in the order the clinics were created.
    public var clinics: [NightlyReport]
    public var totals: Totals

    public init(day: String, generatedAt: Date, clinics: [NightlyReport]) {
        self.day = day
        self.generatedAt = generatedAt
        self.clinics = clinics
        self.totals = Totals(clinics)
    }

    /// The JSON form, as the nightly report's (sorted keys, RFC 3339 instants).
    public func json() throws -> Data { try NightlyReport.encoder().encode(self) }

    /// Counts summed over the clinics. Medians and percentiles do not add up and are left to each
    /// clinic's report; conversions are recomputed from the summed counts.
    public struct Totals: Codable, Hashable, Sendable {
        public var clinics: Int
        public var newReferrals: NightlyReport.NewReferrals
        public var funnelDay: [NightlyReport.FunnelStage]
        public var funnelRolling30Days: [NightlyReport.FunnelStage]
        public var overdue: Int
        public var windowClosing: Int
        public var tomorrowVisits: Int
        public var cancelled: Int
        public var noShows: Int
        public var waitlistLength: Int

        public init(_ reports: [NightlyReport]) {
            clinics = reports.count
            newReferrals = NightlyReport.NewReferrals(
                total: reports.reduce(0) { $0 + $1.newReferrals.total },
                byUrgency: Self.merged(reports.map(\.newReferrals.byUrgency)),
                bySource: Self.merged(reports.map(\.newReferrals.bySource)))
            funnelDay = Self.funnel(reports.map(\.funnel.day.stages))
            funnelRolling30Days = Self.funnel(reports.map(\.funnel.rolling30Days.stages))
            overdue = reports.reduce(0) { $0 + $1.overdue.count }
            windowClosing = reports.reduce(0) { $0 + $1.windowClosing.count }
            tomorrowVisits = reports.reduce(0) { $0 + $1.tomorrow.visits.count }
            cancelled = reports.reduce(0) { $0 + $1.disruptions.cancelled }
            noShows = reports.reduce(0) { $0 + $1.disruptions.noShows }
            waitlistLength = reports.reduce(0) { $0 + $1.waitlist.length }
        }

        /// Counts by key, keys in the order they first appear.
        static func merged(_ lists: [[NightlyReport.Count]]) -> [NightlyReport.Count] {
            var order: [String] = []
            var sums: [String: Int] = [:]
            for count in lists.joined() {
                if sums[count.key] == nil { order.append(count.key) }
                sums[count.key, default: 0] += count.count
            }
            return order.map { NightlyReport.Count(key: $0, count: sums[$0]!) }
        }

        /// Stage counts summed; each stage's conversion is its share of the stage before.
        static func funnel(_ lists: [[NightlyReport.FunnelStage]]) -> [NightlyReport.FunnelStage] {
            let summed = merged(lists.map { $0.map { NightlyReport.Count(key: $0.stage, count: $0.count) } })
            return summed.enumerated().map { index, stage in
                let previous = index > 0 ? summed[index - 1].count : 0
                let conversion = previous > 0 ? (Double(stage.count) * 1000 / Double(previous)).rounded() / 10 : nil
                return NightlyReport.FunnelStage(stage: stage.key, count: stage.count, conversionPercent: conversion)
            }
        }
    }
}

import ClinicDomain
import Foundation

extension NightlyReport {
    /// The report as plain text for a terminal or an email body, with lines kept within 110 columns.
    public func text() -> String {
        var page = TextPage()
        page.title(self)
        page.newReferrals(self)
        page.funnel(self)
        page.timings(self)
        page.atRisk(
            overdue, heading: "Overdue for evaluation", due: true,
            empty: "No referrals are overdue for evaluation.",
            lead: "\(ReportFormat.count(overdue.count, "referral is", "referrals are")) past the evaluation due date.")
        page.atRisk(
            windowClosing, heading: "Candidacy window closing within 14 days", due: false,
            empty: "No candidacy windows close in the next 14 days.",
            lead:
                "\(ReportFormat.count(windowClosing.count, "referral has", "referrals have")) a candidacy window closing soon."
        )
        page.tomorrow(tomorrow)
        page.utilisation(utilisation)
        page.disruptions(disruptions, date: date)
        page.waitlist(waitlist)
        return page.lines.joined(separator: "\n") + "\n"
    }
}

/// Labels and number formats shared by the text, CSV and HTML renderings, so the three always agree.
enum ReportFormat {
    /// What a reader sees where a value is absent (no conversion, no median, no availability).
    static let absent = "–"

    /// One decimal with a '.' whatever the process locale, or nil for an absent or non-finite value.
    static func oneDecimal(_ value: Double?) -> String? {
        guard let value, value.isFinite else { return nil }
        // String(format:) without a locale never localises the separator.
        let text = String(format: "%.1f", value)
        // A tiny negative rounds to "-0.0", which reads like an error in a report.
        return text == "-0.0" ? "0.0" : text
    }

    /// `62.5%`, or the absent mark.
    static func percent(_ value: Double?) -> String {
        oneDecimal(value).map { $0 + "%" } ?? absent
    }

    /// A day count with one decimal (medians are interpolated), or the absent mark.
    static func days(_ value: Double?) -> String {
        oneDecimal(value) ?? absent
    }

    /// An optional text, or the absent mark when it is missing or blank.
    static func orAbsent(_ value: String?) -> String {
        guard let value, !value.trimmingCharacters(in: .whitespaces).isEmpty else { return absent }
        return value
    }

    /// An optional count, or the absent mark.
    static func orAbsent(_ value: Int?) -> String {
        value.map(String.init) ?? absent
    }

    /// The generation time as ISO-8601 in UTC, e.g. `2026-11-25T06:05:00Z`.
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
    }

    /// `3 referrals`, `1 referral`.
    static func count(_ n: Int, _ one: String, _ many: String) -> String {
        "\(n) \(n == 1 ? one : many)"
    }

    /// A funnel stage's human name: `procedure_booked` -> `Procedure booked`.
    static func stageLabel(_ stage: String) -> String {
        switch stage {
        case "received": "Received"
        case "evaluated": "Evaluated"
        case "candidate": "Candidate"
        case "procedure_booked": "Procedure booked"
        case "done": "Done"
        default: label(stage)
        }
    }

    /// A machine key (urgency, status, visit kind or state, resource kind) as words: `no_show` -> `No-show`.
    static func label(_ key: String) -> String {
        switch key {
        case "": return absent
        case "no_show": return "No-show"
        case "follow_up": return "Follow-up"
        case "untriaged": return "Not triaged"
        default:
            let words = key.replacingOccurrences(of: "_", with: " ")
            return words.prefix(1).uppercased() + words.dropFirst()
        }
    }

    /// Urgent and surgical-review referrals are the ones a reader should see first.
    static func isUrgent(_ urgency: String?) -> Bool {
        urgency == "urgent" || urgency == "surgical_review"
    }

    /// The English weekday of a `YYYY-MM-DD` date, e.g. `Tue`, or nil when it is not such a date.
    static func weekday(_ date: String) -> String? {
        let parts = date.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, let year = Int(parts[0]), let month = Int(parts[1]),
            let day = Int(parts[2]), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        // Sakamoto's method: pure arithmetic, so neither the process calendar nor its locale matters.
        let offsets = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4]
        let y = month < 3 ? year - 1 : year
        let index = (y + y / 4 - y / 100 + y / 400 + offsets[month - 1] + day) % 7
        return ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][(index + 7) % 7]
    }

    /// `MM-DD` for a `YYYY-MM-DD` date, for column heads where the year would only add width.
    static func monthDay(_ date: String) -> String {
        weekday(date) == nil ? date : String(date.dropFirst(5))
    }

    /// One row per funnel stage with the day's and the rolling cohort's numbers side by side.
    struct FunnelRow {
        var stage: String
        var day: NightlyReport.FunnelStage?
        var rolling: NightlyReport.FunnelStage?
    }

    /// Pairs the two funnels by stage, in the day funnel's order, so a stage missing from one still shows.
    static func funnelRows(_ funnels: NightlyReport.Funnels) -> [FunnelRow] {
        var rows: [FunnelRow] = []
        for stage in funnels.day.stages where !rows.contains(where: { $0.stage == stage.stage }) {
            rows.append(
                FunnelRow(
                    stage: stage.stage, day: stage,
                    rolling: funnels.rolling30Days.stages.first { $0.stage == stage.stage }))
        }
        for stage in funnels.rolling30Days.stages where !rows.contains(where: { $0.stage == stage.stage }) {
            rows.append(FunnelRow(stage: stage.stage, day: nil, rolling: stage))
        }
        return rows
    }

    /// Every date any resource reports, in order; normally the report's day and the 7 after it.
    static func utilisationDates(_ uses: [NightlyReport.ResourceUse]) -> [String] {
        Set(uses.flatMap { $0.days.map(\.date) }).sorted()
    }

    /// Overbookings can push bookings past what the template offers, even on a day that offers nothing.
    static func isOverbooked(_ use: NightlyReport.DayUse) -> Bool {
        (use.percent ?? 0) > 100 || (use.availableMinutes <= 0 && use.bookedMinutes > 0)
    }

    /// Start and end as `08:00–09:30`.
    static func timeRange(_ starts: String, _ ends: String) -> String {
        "\(starts)–\(ends)"
    }
}

/// Accumulates the plain-text report line by line.
private struct TextPage {
    static let width = 110
    static let indent = 2

    private(set) var lines: [String] = []

    mutating func title(_ report: NightlyReport) {
        let title =
            "Nightly report · \(report.clinic.name) · \(report.date) · \(report.clinic.timeZone) · "
            + "generated \(ReportFormat.timestamp(report.generatedAt))"
        let wrapped = TextLayout.wrap(TextLayout.plain(title), width: Self.width)
        lines += wrapped
        lines.append(String(repeating: "=", count: wrapped.map(\.count).max() ?? 0))
        let glance = [
            ReportFormat.count(report.newReferrals.total, "new referral", "new referrals"),
            "\(report.overdue.count) overdue",
            ReportFormat.count(report.windowClosing.count, "window closing", "windows closing"),
            ReportFormat.count(report.tomorrow.visits.count, "visit tomorrow", "visits tomorrow"),
            "\(report.disruptions.cancelled) cancelled",
            ReportFormat.count(report.disruptions.noShows, "no-show", "no-shows"),
            "waitlist \(report.waitlist.length)",
        ]
        lines += TextLayout.wrap(glance.joined(separator: " · "), width: Self.width)
    }

    mutating func newReferrals(_ report: NightlyReport) {
        heading("New referrals")
        let counts = report.newReferrals
        guard counts.total > 0 || !counts.byUrgency.isEmpty || !counts.bySource.isEmpty else {
            return paragraph("No new referrals were received on \(report.date).")
        }
        paragraph("\(ReportFormat.count(counts.total, "referral", "referrals")) received on \(report.date).")
        if !counts.byUrgency.isEmpty {
            blank()
            table(
                [.init("Urgency", minWidth: 10), .init("Count", align: .right)],
                counts.byUrgency.map { [ReportFormat.label($0.key), String($0.count)] })
        }
        if !counts.bySource.isEmpty {
            blank()
            table(
                [.init("Source", minWidth: 10), .init("Count", align: .right)],
                counts.bySource.map { [$0.key, String($0.count)] })
        }
    }

    mutating func funnel(_ report: NightlyReport) {
        heading("Referral funnel")
        let day = report.funnel.day
        let rolling = report.funnel.rolling30Days
        paragraph(
            "Cohorts: referrals received on \(day.from == day.to ? day.from : "\(day.from) to \(day.to)"), and in the "
                + "30 days \(rolling.from) to \(rolling.to); each shows how far they had got by the end of \(report.date). "
                + "Conversion is a stage's count over the stage before it.")
        let rows = ReportFormat.funnelRows(report.funnel)
        guard !rows.isEmpty else { return paragraph("No funnel data.") }
        blank()
        table(
            [
                .init("Stage", minWidth: 10), .init("Day", align: .right), .init("Conv.", align: .right),
                .init("30 days", align: .right), .init("Conv.", align: .right),
            ],
            rows.map { row in
                [
                    ReportFormat.stageLabel(row.stage), ReportFormat.orAbsent(row.day?.count),
                    ReportFormat.percent(row.day?.conversionPercent),
                    ReportFormat.orAbsent(row.rolling?.count), ReportFormat.percent(row.rolling?.conversionPercent),
                ]
            })
    }

    mutating func timings(_ report: NightlyReport) {
        heading("Timings")
        paragraph("Whole days on the clinic's calendar, over the 30 days \(report.rollingFrom) to \(report.date).")
        blank()
        let measures = [
            ("Referral to evaluation", report.timings.referralToEvaluation),
            ("Evaluation to procedure", report.timings.evaluationToProcedure),
        ]
        table(
            [
                .init("Measure", minWidth: 12), .init("Referrals", align: .right), .init("Median", align: .right),
                .init("P90", align: .right),
            ],
            measures.map {
                [$0.0, String($0.1.count), ReportFormat.days($0.1.medianDays), ReportFormat.days($0.1.p90Days)]
            })
        for (name, stats) in measures {
            blank()
            paragraph("\(name), days:")
            histogram(stats.distribution)
        }
    }

    /// A histogram as `#` bars, scaled so the tallest bucket fills 40 columns.
    private mutating func histogram(_ buckets: [NightlyReport.Bucket]) {
        guard !buckets.isEmpty else { return paragraph("No durations recorded.", indent: 4) }
        let most = buckets.map(\.count).max() ?? 0
        let barWidth = 40
        table(
            [.init("Days", minWidth: 8), .init("Count", align: .right), .init("")],
            buckets.map { bucket in
                let length =
                    most > 0 ? Int((Double(max(bucket.count, 0)) / Double(most) * Double(barWidth)).rounded()) : 0
                // A non-zero bucket keeps one mark so it never looks empty next to a zero one.
                let bar = String(repeating: "#", count: bucket.count > 0 ? max(length, 1) : 0)
                return [bucket.label, String(bucket.count), bar]
            }, indent: 4)
        if most == 0 { paragraph("No referrals in this period.", indent: 4) }
    }

    mutating func atRisk(
        _ referrals: [NightlyReport.ReferralAtRisk], heading title: String, due: Bool, empty: String, lead: String
    ) {
        heading(title)
        guard !referrals.isEmpty else { return paragraph(empty) }
        paragraph(lead + " Urgent and surgical-review referrals are marked *.")
        blank()
        let columns: [TextColumn] = [
            .init("Patient", minWidth: 12), .init("MRN", minWidth: 8), .init("Urgency", minWidth: 8),
            .init("Status", minWidth: 9),
            .init("Received", minWidth: 10),
            due ? .init("Due", minWidth: 10) : .init("Closes", minWidth: 10),
            due ? .init("Late", align: .right) : .init("Left", align: .right),
            .init("Next action", minWidth: 14),
        ]
        table(
            columns,
            referrals.map { referral in
                [
                    (ReportFormat.isUrgent(referral.urgency) ? "* " : "") + referral.patientName,
                    referral.mrn,
                    referral.urgency.map(ReportFormat.label) ?? ReportFormat.absent,
                    ReportFormat.label(referral.status),
                    referral.receivedOn,
                    ReportFormat.orAbsent(due ? referral.evaluationDueOn : referral.windowClosesOn),
                    (due ? referral.daysOverdue : referral.daysLeft).map { "\($0)d" } ?? ReportFormat.absent,
                    ReportFormat.orAbsent(referral.nextAction),
                ]
            })
    }

    mutating func tomorrow(_ sheet: NightlyReport.DaySheet) {
        heading("Tomorrow · \(ReportFormat.weekday(sheet.date).map { "\($0) " } ?? "")\(sheet.date)")
        guard !sheet.visits.isEmpty else { return paragraph("No visits are booked for \(sheet.date).") }
        paragraph("\(ReportFormat.count(sheet.visits.count, "visit", "visits")) in time order.")
        blank()
        table(
            [
                .init("Time"), .init("Visit"), .init("Patient", minWidth: 12),
                .init("MRN", minWidth: 8), .init("Levels", minWidth: 6), .init("Resources", minWidth: 12),
                .init("Open items", minWidth: 12),
            ],
            sheet.visits.map { visit in
                [
                    ReportFormat.timeRange(visit.starts, visit.ends),
                    ReportFormat.label(visit.kind) + "\n" + ReportFormat.label(visit.state),
                    visit.patientName, visit.mrn,
                    visit.levels.isEmpty ? ReportFormat.absent : visit.levels.joined(separator: " "),
                    visit.resources.isEmpty ? ReportFormat.absent : visit.resources.joined(separator: "\n"),
                    visit.openItems.isEmpty ? "none" : visit.openItems.joined(separator: "\n"),
                ]
            })
    }

    mutating func utilisation(_ uses: [NightlyReport.ResourceUse]) {
        heading("Utilisation")
        let dates = ReportFormat.utilisationDates(uses)
        guard !uses.isEmpty, !dates.isEmpty else { return paragraph("No resources to report.") }
        paragraph(
            "Booked minutes over available minutes, per day. \(ReportFormat.absent) no availability; "
                + "! overbooked (over 100%).")
        blank()
        let dayColumns = dates.map {
            TextColumn("\(ReportFormat.weekday($0) ?? "")\n\(ReportFormat.monthDay($0))", align: .right)
        }
        table(
            [.init("Resource", minWidth: 12), .init("Kind", minWidth: 9)] + dayColumns,
            uses.map { use in
                [use.name, ReportFormat.label(use.kind)]
                    + dates.map { date in
                        guard let day = use.days.first(where: { $0.date == date }) else { return ReportFormat.absent }
                        return ReportFormat.percent(day.percent) + (ReportFormat.isOverbooked(day) ? "!" : "")
                    }
            })
    }

    mutating func disruptions(_ disruptions: NightlyReport.Disruptions, date: String) {
        heading("Cancellations and no-shows")
        guard disruptions.cancelled > 0 || disruptions.noShows > 0 || !disruptions.visits.isEmpty else {
            return paragraph("No visits were cancelled or missed on \(date).")
        }
        paragraph(
            "\(disruptions.cancelled) cancelled, \(ReportFormat.count(disruptions.noShows, "no-show", "no-shows")) on \(date)."
        )
        guard !disruptions.visits.isEmpty else { return }
        blank()
        table(
            [
                .init("Time"), .init("Kind", minWidth: 9), .init("Outcome", minWidth: 9),
                .init("Patient", minWidth: 12),
                .init("Reason", minWidth: 16),
            ],
            disruptions.visits.map {
                [
                    $0.starts, ReportFormat.label($0.kind), ReportFormat.label($0.state), $0.patientName,
                    ReportFormat.orAbsent($0.reason),
                ]
            })
    }

    mutating func waitlist(_ waitlist: NightlyReport.WaitlistSummary) {
        heading("Waitlist")
        guard waitlist.length > 0 else { return paragraph("No candidates are waiting for a procedure booking.") }
        paragraph(
            "\(ReportFormat.count(waitlist.length, "candidate is", "candidates are")) waiting for a procedure booking.")
        if let oldest = waitlist.oldest {
            paragraph(
                "Longest waiting: \(oldest.patientName), a candidate since \(oldest.candidateSince) "
                    + "(\(ReportFormat.count(oldest.waitingDays, "day", "days"))).")
        }
    }

    private mutating func heading(_ title: String) {
        let text = TextLayout.plain(title.uppercased())
        lines += ["", text, String(repeating: "-", count: min(text.count, Self.width))]
    }

    private mutating func paragraph(_ text: String, indent: Int = TextPage.indent) {
        let pad = String(repeating: " ", count: indent)
        lines += TextLayout.wrap(TextLayout.plain(text), width: Self.width - indent).map { pad + $0 }
    }

    private mutating func blank() {
        lines.append("")
    }

    private mutating func table(_ columns: [TextColumn], _ rows: [[String]], indent: Int = TextPage.indent) {
        lines += TextLayout.table(columns, rows, indent: indent, width: Self.width)
    }
}

/// A column of a plain-text table.
struct TextColumn {
    enum Align { case left, right }
    /// Lines separated by `\n`.
    var title: String
    var align: Align
    /// Free text may wrap down to this width when the table is too wide; nil keeps the column whole.
    var minWidth: Int?

    init(_ title: String, align: Align = .left, minWidth: Int? = nil) {
        self.title = title
        self.align = align
        self.minWidth = minWidth
    }
}

/// Wrapping and column layout by character count (wide East Asian characters will misalign slightly).
enum TextLayout {
    /// Model text can hold newlines, tabs or terminal escape sequences; any of them would break the
    /// layout or drive the reader's terminal, so every control character becomes a space.
    static func plain(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            scalars.append(scalar.properties.generalCategory == .control ? " " : scalar)
        }
        return String(scalars)
    }

    /// Greedy word wrap; a word longer than the width is cut.
    static func wrap(_ text: String, width: Int) -> [String] {
        let width = max(width, 1)
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            var word = Substring(word)
            if !line.isEmpty, line.count + 1 + word.count <= width {
                line += " " + word
                continue
            }
            if !line.isEmpty { lines.append(line) }
            while word.count > width {
                lines.append(String(word.prefix(width)))
                word = word.dropFirst(width)
            }
            line = String(word)
        }
        if !line.isEmpty || lines.isEmpty { lines.append(line) }
        return lines
    }

    static func table(_ columns: [TextColumn], _ rows: [[String]], indent: Int, width: Int) -> [String] {
        let gap = 2
        // A newline in a cell starts a new line within it (lists put one item a line).
        let cells = rows.map { row in
            columns.indices.map { index in
                (index < row.count ? row[index] : "").components(separatedBy: "\n").map(plain)
            }
        }
        let titles = columns.map { $0.title.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
        var widths = columns.indices.map { index in
            max(titles[index].map(\.count).max() ?? 0, cells.flatMap { $0[index].map(\.count) }.max() ?? 0)
        }
        // Narrow the widest free-text column a character at a time until the table fits.
        while indent + widths.reduce(0, +) + gap * (columns.count - 1) > width {
            let candidates = columns.indices.filter { index in
                columns[index].minWidth.map { widths[index] > $0 } ?? false
            }
            guard let widest = candidates.max(by: { widths[$0] < widths[$1] }) else { break }
            widths[widest] -= 1
        }

        func line(_ texts: [String]) -> String {
            let padded = columns.indices.map { index -> String in
                let text = texts[index]
                let fill = String(repeating: " ", count: max(widths[index] - text.count, 0))
                return columns[index].align == .left ? text + fill : fill + text
            }
            let joined =
                String(repeating: " ", count: indent) + padded.joined(separator: String(repeating: " ", count: gap))
            return String(joined.reversed().drop { $0 == " " }.reversed())
        }

        var out: [String] = []
        let headerHeight = titles.map(\.count).max() ?? 0
        for level in 0..<headerHeight {
            // Titles sit on the bottom line so single-line titles line up with the rule under them.
            out.append(
                line(
                    titles.map { title in
                        let index = level - (headerHeight - title.count)
                        return index >= 0 ? title[index] : ""
                    }))
        }
        out.append(line(widths.map { String(repeating: "-", count: $0) }))
        var rowLines: [[String]] = []
        for row in cells {
            let wrapped = columns.indices.map { index in
                columns[index].minWidth == nil ? row[index] : row[index].flatMap { wrap($0, width: widths[index]) }
            }
            let height = wrapped.map(\.count).max() ?? 1
            rowLines.append((0..<height).map { level in line(wrapped.map { level < $0.count ? $0[level] : "" }) })
        }
        // Once any row spans lines, a blank line between rows shows which lines belong together.
        let spaced = rowLines.contains { $0.count > 1 }
        for (index, lines) in rowLines.enumerated() {
            if spaced && index > 0 { out.append("") }
            out += lines
        }
        return out
    }
}

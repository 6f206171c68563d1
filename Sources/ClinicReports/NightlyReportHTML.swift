import ClinicDomain
import Foundation

extension NightlyReport {
    /// The report as one self-contained HTML5 page (also well-formed XML) with three inline SVG charts.
    public func html() -> String {
        HTMLPage(report: self).document()
    }
}

/// The one way text enters the page. It escapes the five markup characters, so it is safe in text and
/// in quoted attribute values alike, and replaces the characters XML 1.0 forbids even as references
/// (most C0 controls, U+FFFE, U+FFFF) and those HTML5 calls errors (C1 controls, noncharacters), so a
/// stray byte in a patient's name cannot make the page unparsable.
private func escape(_ text: String) -> String {
    var out = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out.append(contentsOf: "&amp;".unicodeScalars)
        case "<": out.append(contentsOf: "&lt;".unicodeScalars)
        case ">": out.append(contentsOf: "&gt;".unicodeScalars)
        case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
        case "'": out.append(contentsOf: "&#39;".unicodeScalars)
        case "\t", "\n", "\r": out.append(scalar)
        default:
            let value = scalar.value
            let forbidden =
                value < 0x20 || (0x7F...0x9F).contains(value) || (0xFDD0...0xFDEF).contains(value)
                || value & 0xFFFE == 0xFFFE
            out.append(forbidden ? "\u{FFFD}" : scalar)
        }
    }
    return String(out)
}

/// An SVG coordinate with at most one decimal and a '.' separator, whatever the locale.
private func svgNumber(_ value: Double) -> String {
    guard let text = ReportFormat.oneDecimal(value) else { return "0" }
    return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
}

/// Cuts a label that would overrun its space in a chart; the section's table has it in full.
private func clipped(_ text: String, to length: Int) -> String {
    guard text.count > length else { return text }
    let kept = text.prefix(max(length - 1, 1))
    return String(kept.reversed().drop { $0 == " " }.reversed()) + "…"
}

/// A table column: numeric columns are right-aligned.
private struct HTMLColumn {
    var title: String
    var numeric = false
    /// Raw markup for the heading, for the utilisation table's two-line dates; already escaped.
    var titleHTML: String?

    init(_ title: String, numeric: Bool = false, titleHTML: String? = nil) {
        self.title = title
        self.numeric = numeric
        self.titleHTML = titleHTML
    }
}

/// A table cell whose content is already escaped markup.
private struct HTMLCell {
    var html: String
    var classes: [String] = []

    static func text(_ text: String, _ classes: String...) -> HTMLCell {
        HTMLCell(html: escape(text), classes: classes)
    }

    static func number(_ number: Int?, _ classes: String...) -> HTMLCell {
        HTMLCell(html: escape(ReportFormat.orAbsent(number)), classes: classes)
    }

    /// Several texts one under the other, each kept on its line, or a muted "none".
    static func lines(_ texts: [String], none: String = "none") -> HTMLCell {
        texts.isEmpty
            ? HTMLCell(html: "<span class=\"muted\">\(escape(none))</span>")
            : HTMLCell(html: texts.map(escape).joined(separator: "<br />"), classes: ["nowrap"])
    }
}

/// A table row, optionally classed (e.g. `urgent`).
private struct HTMLRow {
    var cells: [HTMLCell]
    var classes: [String] = []
}

/// Renders the page; every model string goes through `escape` exactly once, where it is placed.
private struct HTMLPage {
    let report: NightlyReport

    func document() -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>\(escape("Nightly report · \(report.clinic.name) · \(report.date)"))</title>
        <style>\(Self.style)</style>
        </head>
        <body>
        \(header())
        <main>
        \(newReferrals())
        \(funnel())
        \(timings())
        \(atRisk(id: "overdue"))
        \(atRisk(id: "window-closing"))
        \(tomorrow())
        \(utilisation())
        \(disruptions())
        \(waitlist())
        </main>
        </body>
        </html>

        """
    }

    // MARK: Sections

    private func header() -> String {
        let glance: [(count: Int, label: String, alert: Bool)] = [
            (report.newReferrals.total, report.newReferrals.total == 1 ? "new referral" : "new referrals", false),
            (report.overdue.count, "overdue", !report.overdue.isEmpty),
            (
                report.windowClosing.count, report.windowClosing.count == 1 ? "window closing" : "windows closing",
                !report.windowClosing.isEmpty
            ),
            (
                report.tomorrow.visits.count, report.tomorrow.visits.count == 1 ? "visit tomorrow" : "visits tomorrow",
                false
            ),
            (report.disruptions.cancelled, "cancelled", false),
            (report.disruptions.noShows, report.disruptions.noShows == 1 ? "no-show" : "no-shows", false),
            (report.waitlist.length, "on the waitlist", false),
        ]
        let generated = ReportFormat.timestamp(report.generatedAt)
        return """
            <header>
            <h1>Nightly report: \(escape(report.clinic.name))</h1>
            <dl class="meta">
            <div><dt>Date</dt><dd class="nowrap">\(escape(dayName(report.date)))</dd></div>
            <div><dt>Time zone</dt><dd>\(escape(report.clinic.timeZone))</dd></div>
            <div><dt>Rolling 30 days</dt><dd><span class="nowrap">\(escape(report.rollingFrom))</span> to \
            <span class="nowrap">\(escape(report.date))</span></dd></div>
            <div><dt>Generated (UTC)</dt><dd><time datetime="\(escape(generated))">\(escape(generated))</time></dd></div>
            </dl>
            <ul class="glance">
            \(glance.map { "<li\($0.alert ? " class=\"alert\"" : "")><strong>\($0.count)</strong> \(escape($0.label))</li>" }.joined(separator: "\n"))
            </ul>
            </header>
            """
    }

    private func newReferrals() -> String {
        let counts = report.newReferrals
        var body: [String] = []
        if counts.total == 0 && counts.byUrgency.isEmpty && counts.bySource.isEmpty {
            body.append(empty("No new referrals were received on \(report.date)."))
        } else {
            body.append(
                paragraph("\(ReportFormat.count(counts.total, "referral", "referrals")) received on \(report.date)."))
            if !counts.byUrgency.isEmpty {
                body.append(
                    table(
                        caption: "By urgency", [HTMLColumn("Urgency"), HTMLColumn("Count", numeric: true)],
                        counts.byUrgency.map { count in
                            HTMLRow(
                                cells: [.text(ReportFormat.label(count.key)), .number(count.count)],
                                classes: ReportFormat.isUrgent(count.key) && count.count > 0 ? ["urgent"] : [])
                        }))
            }
            if !counts.bySource.isEmpty {
                body.append(
                    table(
                        caption: "By source", [HTMLColumn("Source"), HTMLColumn("Count", numeric: true)],
                        counts.bySource.map { HTMLRow(cells: [.text($0.key), .number($0.count)]) }))
            }
        }
        return section("new-referrals", "New referrals", body)
    }

    private func funnel() -> String {
        let day = report.funnel.day
        let rolling = report.funnel.rolling30Days
        let rows = ReportFormat.funnelRows(report.funnel)
        var body = [
            paragraph(
                "Referrals received on \(period(day)), and in the 30 days \(period(rolling)), by how far each had got "
                    + "by the end of \(report.date). Conversion is a stage's count over the stage before it.")
        ]
        if rows.isEmpty {
            body.append(empty("No funnel data."))
        } else {
            body.append(
                table(
                    caption: nil,
                    [
                        HTMLColumn("Stage"), HTMLColumn("Day", numeric: true),
                        HTMLColumn("Day conversion", numeric: true),
                        HTMLColumn("30 days", numeric: true), HTMLColumn("30-day conversion", numeric: true),
                    ],
                    rows.map { row in
                        HTMLRow(cells: [
                            .text(ReportFormat.stageLabel(row.stage)), .number(row.day?.count),
                            .text(ReportFormat.percent(row.day?.conversionPercent)), .number(row.rolling?.count),
                            .text(ReportFormat.percent(row.rolling?.conversionPercent)),
                        ])
                    }))
        }
        body.append(figure(funnelChart()))
        return section("funnel", "Referral funnel", body)
    }

    private func timings() -> String {
        let toEvaluation = report.timings.referralToEvaluation
        let toProcedure = report.timings.evaluationToProcedure
        var body = [
            paragraph("Whole days on the clinic's calendar, over the 30 days \(report.rollingFrom) to \(report.date)."),
            table(
                caption: nil,
                [
                    HTMLColumn("Measure"), HTMLColumn("Referrals", numeric: true), HTMLColumn("Median", numeric: true),
                    HTMLColumn("90th percentile", numeric: true),
                ],
                [("Referral to evaluation", toEvaluation), ("Evaluation to procedure", toProcedure)].map {
                    name, stats in
                    HTMLRow(cells: [
                        .text(name, "nowrap"), .number(stats.count), .text(ReportFormat.days(stats.medianDays)),
                        .text(ReportFormat.days(stats.p90Days)),
                    ])
                }),
            figure(histogram(toEvaluation)),
        ]
        let columns = [HTMLColumn("Days"), HTMLColumn("Count", numeric: true)]
        func rows(_ buckets: [NightlyReport.Bucket]) -> [HTMLRow] {
            buckets.map { HTMLRow(cells: [.text($0.label, "nowrap"), .number($0.count)]) }
        }
        if toEvaluation.distribution.isEmpty && toProcedure.distribution.isEmpty {
            body.append(empty("No durations were recorded."))
        } else if toEvaluation.distribution.map(\.label) == toProcedure.distribution.map(\.label) {
            // Same buckets: one table, the two measures side by side.
            body.append(
                table(
                    caption: "Distribution",
                    [
                        HTMLColumn("Days"), HTMLColumn("Referral to evaluation", numeric: true),
                        HTMLColumn("Evaluation to procedure", numeric: true),
                    ],
                    zip(toEvaluation.distribution, toProcedure.distribution).map { evaluation, procedure in
                        HTMLRow(cells: [
                            .text(evaluation.label, "nowrap"), .number(evaluation.count), .number(procedure.count),
                        ])
                    }))
        } else {
            body.append(table(caption: "Referral to evaluation", columns, rows(toEvaluation.distribution)))
            body.append(table(caption: "Evaluation to procedure", columns, rows(toProcedure.distribution)))
        }
        return section("timings", "Timings", body)
    }

    /// The overdue list or the window-closing list; they share a shape and differ in their dates.
    private func atRisk(id: String) -> String {
        let due = id == "overdue"
        let referrals = due ? report.overdue : report.windowClosing
        var body: [String] = []
        if referrals.isEmpty {
            body.append(
                empty(
                    due ? "No referrals are overdue for evaluation." : "No candidacy windows close in the next 14 days."
                ))
        } else {
            body.append(
                paragraph(
                    (due
                        ? "\(ReportFormat.count(referrals.count, "referral is", "referrals are")) past the evaluation due date."
                        : "\(ReportFormat.count(referrals.count, "referral has", "referrals have")) a candidacy window closing within 14 days.")
                        + " Urgent and surgical-review referrals are marked at the left."))
            body.append(
                table(
                    caption: nil,
                    [
                        HTMLColumn("Patient"), HTMLColumn("MRN"), HTMLColumn("Urgency"), HTMLColumn("Status"),
                        HTMLColumn("Received"), HTMLColumn("Days waiting", numeric: true),
                        HTMLColumn(due ? "Evaluation due" : "Window closes"),
                        HTMLColumn(due ? "Days overdue" : "Days left", numeric: true), HTMLColumn("Next action"),
                    ],
                    referrals.map { referral in
                        let urgent = ReportFormat.isUrgent(referral.urgency)
                        return HTMLRow(
                            cells: [
                                .text(referral.patientName, "name"), .text(referral.mrn, "nowrap"),
                                .text(
                                    referral.urgency.map(ReportFormat.label) ?? ReportFormat.absent,
                                    urgent ? "alert" : ""),
                                .text(ReportFormat.label(referral.status)), .text(referral.receivedOn, "nowrap"),
                                .number(referral.ageDays),
                                .text(
                                    ReportFormat.orAbsent(due ? referral.evaluationDueOn : referral.windowClosesOn),
                                    "nowrap"),
                                due ? .number(referral.daysOverdue, "alert") : .number(referral.daysLeft),
                                .text(ReportFormat.orAbsent(referral.nextAction), "note"),
                            ], classes: urgent ? ["urgent"] : [])
                    }))
        }
        return section(id, due ? "Overdue for evaluation" : "Candidacy window closing", body)
    }

    private func tomorrow() -> String {
        let sheet = report.tomorrow
        var body: [String] = []
        if sheet.visits.isEmpty {
            body.append(empty("No visits are booked for \(sheet.date)."))
        } else {
            body.append(
                paragraph(
                    "\(ReportFormat.count(sheet.visits.count, "visit", "visits")) in time order; "
                        + "those with open items are marked at the left."))
            body.append(
                table(
                    caption: nil,
                    [
                        HTMLColumn("Time"), HTMLColumn("Kind"), HTMLColumn("State"), HTMLColumn("Patient"),
                        HTMLColumn("MRN"),
                        HTMLColumn("Levels"), HTMLColumn("Resources"), HTMLColumn("Open items"),
                    ],
                    sheet.visits.map { visit in
                        HTMLRow(
                            cells: [
                                .text(ReportFormat.timeRange(visit.starts, visit.ends), "nowrap"),
                                .text(ReportFormat.label(visit.kind)),
                                .text(ReportFormat.label(visit.state)), .text(visit.patientName, "name"),
                                .text(visit.mrn, "nowrap"),
                                .lines(visit.levels, none: ReportFormat.absent),
                                .lines(visit.resources, none: ReportFormat.absent),
                                .lines(visit.openItems),
                            ], classes: visit.openItems.isEmpty ? [] : ["attention"])
                    }))
        }
        return section("tomorrow", "Tomorrow: \(dayName(sheet.date))", body)
    }

    private func utilisation() -> String {
        let uses = report.utilisation
        let dates = ReportFormat.utilisationDates(uses)
        var body: [String] = []
        if uses.isEmpty || dates.isEmpty {
            body.append(empty("No resources to report."))
        } else {
            body.append(
                paragraph(
                    "Booked minutes over available minutes per resource and day. \(ReportFormat.absent) means nothing "
                        + "was available; over 100% means overbooked."))
        }
        body.append(figure(heatMap(uses, dates: dates)))
        if !uses.isEmpty && !dates.isEmpty {
            let dayColumns = dates.map { date in
                HTMLColumn(
                    date, numeric: true,
                    titleHTML: "\(escape(ReportFormat.weekday(date) ?? ""))<br />\(escape(ReportFormat.monthDay(date)))"
                )
            }
            body.append(
                table(
                    caption: "Booked / available minutes", [HTMLColumn("Resource"), HTMLColumn("Kind")] + dayColumns,
                    uses.map { use in
                        HTMLRow(
                            cells: [.text(use.name, "name"), .text(ReportFormat.label(use.kind), "nowrap")]
                                + dates.map { date in
                                    guard let day = use.days.first(where: { $0.date == date }) else {
                                        return .text(ReportFormat.absent)
                                    }
                                    let minutes =
                                        "<br /><span class=\"muted\">\(day.bookedMinutes)/\(day.availableMinutes)</span>"
                                    return HTMLCell(
                                        html: escape(ReportFormat.percent(day.percent)) + minutes,
                                        classes: ReportFormat.isOverbooked(day) ? ["alert"] : [])
                                })
                    }))
        }
        return section("utilisation", "Utilisation", body)
    }

    private func disruptions() -> String {
        let disruptions = report.disruptions
        var body: [String] = []
        if disruptions.cancelled == 0 && disruptions.noShows == 0 && disruptions.visits.isEmpty {
            body.append(empty("No visits were cancelled or missed on \(report.date)."))
        } else {
            body.append(
                paragraph(
                    "\(disruptions.cancelled) cancelled and "
                        + "\(ReportFormat.count(disruptions.noShows, "no-show", "no-shows")) on \(report.date)."))
            if !disruptions.visits.isEmpty {
                body.append(
                    table(
                        caption: nil,
                        [
                            HTMLColumn("Time"), HTMLColumn("Kind"), HTMLColumn("Outcome"), HTMLColumn("Patient"),
                            HTMLColumn("Reason"),
                        ],
                        disruptions.visits.map { visit in
                            HTMLRow(cells: [
                                .text(visit.starts, "nowrap"), .text(ReportFormat.label(visit.kind)),
                                .text(ReportFormat.label(visit.state)), .text(visit.patientName, "name"),
                                .text(ReportFormat.orAbsent(visit.reason), "note"),
                            ])
                        }))
            }
        }
        return section("disruptions", "Cancellations and no-shows", body)
    }

    private func waitlist() -> String {
        let waitlist = report.waitlist
        var body: [String] = []
        if waitlist.length == 0 {
            body.append(empty("No candidates are waiting for a procedure booking."))
        } else {
            body.append(
                paragraph(
                    "\(ReportFormat.count(waitlist.length, "candidate is", "candidates are")) waiting for a procedure booking."
                ))
            if let oldest = waitlist.oldest {
                body.append(
                    paragraph(
                        "Longest waiting: \(oldest.patientName), a candidate since \(oldest.candidateSince) "
                            + "(\(ReportFormat.count(oldest.waitingDays, "day", "days")))."))
            }
        }
        return section("waitlist", "Waitlist", body)
    }

    // MARK: Charts

    private static let ink = "#1a1a1a"
    private static let bar = "#2b5c97"
    private static let axis = "#6b6b6b"
    private static let overbooked = "#9b1c1c"

    /// The opening tag every chart shares; the caller closes it.
    private func svgOpen(id: String, width: Double, height: Double, title: String) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" id="\(id)" class="chart" viewBox="0 0 \(svgNumber(width)) \(svgNumber(height))" \
        role="img" aria-labelledby="\(id)-title" font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="13">
        <title id="\(id)-title">\(escape(title))</title>
        """
    }

    private func svgText(
        _ text: String, x: Double, y: Double, anchor: String = "start", size: Double? = nil,
        fill: String = HTMLPage.ink, bold: Bool = false
    ) -> String {
        "<text x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" text-anchor=\"\(anchor)\" fill=\"\(fill)\""
            + (size.map { " font-size=\"\(svgNumber($0))\"" } ?? "") + (bold ? " font-weight=\"700\"" : "")
            + ">\(escape(text))</text>"
    }

    private func svgRect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil)
        -> String
    {
        "<rect x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" width=\"\(svgNumber(max(width, 0)))\" height=\"\(svgNumber(max(height, 0)))\" "
            + "fill=\"\(fill)\"" + (stroke.map { " stroke=\"\($0)\"" } ?? "") + " />"
    }

    private func svgLine(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double) -> String {
        "<line x1=\"\(svgNumber(x1))\" y1=\"\(svgNumber(y1))\" x2=\"\(svgNumber(x2))\" y2=\"\(svgNumber(y2))\" stroke=\"\(Self.axis)\" />"
    }

    /// Horizontal bars for the rolling funnel, longest for the largest stage.
    private func funnelChart() -> String {
        let funnel = report.funnel.rolling30Days
        let width = 480.0
        let rowHeight = 32.0
        let top = 8.0
        let labelWidth = 132.0
        let barRoom = 230.0
        let most = funnel.stages.map(\.count).max() ?? 0
        let note: String? = funnel.stages.isEmpty ? "No data" : most <= 0 ? "No data: no referrals in this period" : nil
        let height = top * 2 + rowHeight * Double(max(funnel.stages.count, 1)) + (note == nil ? 0 : 24)
        var parts = [
            svgOpen(
                id: "funnel-chart", width: width, height: height,
                title: "Referral funnel for the 30 days \(period(funnel)): referrals at each stage")
        ]
        parts.append(svgLine(labelWidth, top, labelWidth, top + rowHeight * Double(max(funnel.stages.count, 1))))
        for (index, stage) in funnel.stages.enumerated() {
            let y = top + rowHeight * Double(index)
            // Guarded so an all-zero funnel draws zero-length bars rather than dividing by zero.
            let length = most > 0 ? barRoom * Double(max(stage.count, 0)) / Double(most) : 0
            let value =
                ReportFormat.oneDecimal(stage.conversionPercent) == nil
                ? "\(stage.count)"
                : "\(stage.count) · \(ReportFormat.percent(stage.conversionPercent))"
            parts.append(
                svgText(
                    clipped(ReportFormat.stageLabel(stage.stage), to: 17), x: labelWidth - 8, y: y + rowHeight / 2 + 4,
                    anchor: "end"))
            parts.append(svgRect(x: labelWidth, y: y + 6, width: length, height: rowHeight - 12, fill: Self.bar))
            parts.append(svgText(value, x: labelWidth + length + 6, y: y + rowHeight / 2 + 4))
        }
        if let note {
            parts.append(
                svgText(note, x: labelWidth + barRoom / 2, y: height - top - 6, anchor: "middle", fill: Self.axis))
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    /// Resources by day, each cell shaded by how full it is.
    private func heatMap(_ uses: [NightlyReport.ResourceUse], dates: [String]) -> String {
        // Cells wide enough for a bold "112.5%" at 10 px in a wide sans-serif.
        let labelWidth = 138.0
        let cellWidth = 48.0
        let cellHeight = 28.0
        let headerHeight = 34.0
        let legendHeight = 34.0
        let width = max(480, labelWidth + cellWidth * Double(dates.count) + 6)
        let title = "Utilisation per resource and day, \(dates.first ?? report.date) to \(dates.last ?? report.date)"
        guard !uses.isEmpty, !dates.isEmpty else {
            return svgOpen(id: "utilisation-chart", width: width, height: 60, title: title) + "\n"
                + svgText("No data: no resources to report", x: width / 2, y: 34, anchor: "middle", fill: Self.axis)
                + "\n</svg>"
        }
        let gridBottom = headerHeight + cellHeight * Double(uses.count)
        var parts = [svgOpen(id: "utilisation-chart", width: width, height: gridBottom + legendHeight, title: title)]
        parts.append(
            """
            <defs><pattern id="utilisation-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">\
            <rect width="6" height="6" fill="#eeeeee" /><line x1="0" y1="0" x2="0" y2="6" stroke="#b5b5b5" stroke-width="2" /></pattern></defs>
            """)
        for (column, date) in dates.enumerated() {
            let x = labelWidth + cellWidth * Double(column) + (cellWidth - 2) / 2
            parts.append(svgText(ReportFormat.weekday(date) ?? "", x: x, y: 14, anchor: "middle", size: 11))
            parts.append(svgText(ReportFormat.monthDay(date), x: x, y: 28, anchor: "middle", size: 11))
        }
        for (row, use) in uses.enumerated() {
            let y = headerHeight + cellHeight * Double(row)
            parts.append(
                "<g><title>\(escape("\(use.name) (\(ReportFormat.label(use.kind)))"))</title>"
                    + svgText(
                        clipped(use.name, to: 17), x: labelWidth - 8, y: y + cellHeight / 2 + 4, anchor: "end", size: 12
                    ) + "</g>")
            for (column, date) in dates.enumerated() {
                let x = labelWidth + cellWidth * Double(column)
                let day = use.days.first { $0.date == date }
                let cell: (fill: String, ink: String, text: String, bold: Bool)
                if let day, ReportFormat.isOverbooked(day) {
                    cell = (Self.overbooked, "#ffffff", ReportFormat.percent(day.percent), true)
                } else if let day, let percent = day.percent, percent.isFinite {
                    let shade = Self.heat(percent)
                    cell = (shade.fill, shade.ink, ReportFormat.percent(percent), false)
                } else {
                    cell = ("url(#utilisation-hatch)", "#3d3d3d", ReportFormat.absent, false)
                }
                parts.append(svgRect(x: x, y: y, width: cellWidth - 2, height: cellHeight - 2, fill: cell.fill))
                parts.append(
                    svgText(
                        cell.text, x: x + (cellWidth - 2) / 2, y: y + cellHeight / 2 + 3, anchor: "middle", size: 10,
                        fill: cell.ink, bold: cell.bold))
            }
        }
        // Legend: the scale's ends and middle, overbooked, and no availability.
        let legend: [(fill: String, label: String)] = [
            (Self.heat(0).fill, "0%"), (Self.heat(50).fill, "50%"), (Self.heat(100).fill, "100%"),
            (Self.overbooked, "over 100%"), ("url(#utilisation-hatch)", "no availability"),
        ]
        var x = 4.0
        let legendY = gridBottom + 12
        for item in legend {
            parts.append(svgRect(x: x, y: legendY, width: 14, height: 14, fill: item.fill, stroke: "#8a8a8a"))
            parts.append(svgText(item.label, x: x + 19, y: legendY + 11, size: 11))
            x += 19 + Double(item.label.count) * 6.2 + 14
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    /// A cell's fill, from pale to dark blue with the percentage, and the text colour that contrasts more with it.
    private static func heat(_ percent: Double) -> (fill: String, ink: String) {
        let share = min(max(percent, 0), 100) / 100
        let pale = (236.0, 242.0, 249.0)
        let dark = (19.0, 55.0, 107.0)
        let rgb = [
            pale.0 + (dark.0 - pale.0) * share, pale.1 + (dark.1 - pale.1) * share, pale.2 + (dark.2 - pale.2) * share,
        ]
        .map { Int($0.rounded()) }
        func linear(_ channel: Int) -> Double {
            let c = Double(channel) / 255
            return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        let luminance = 0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2])
        // WCAG contrast against white is 1.05 / (L + 0.05) and against near-black about (L + 0.05) / 0.06.
        let ink = 1.05 / (luminance + 0.05) > (luminance + 0.05) / 0.06 ? "#ffffff" : Self.ink
        return ("#" + rgb.map { String(format: "%02x", $0) }.joined(), ink)
    }

    /// Vertical bars for the referral-to-evaluation distribution.
    private func histogram(_ stats: NightlyReport.DurationStats) -> String {
        let buckets = stats.distribution
        let width = 480.0
        let left = 40.0
        let right = 10.0
        let top = 22.0
        let plotHeight = 164.0
        let plotWidth = width - left - right
        let baseline = top + plotHeight
        let slot = plotWidth / Double(max(buckets.count, 1))
        let labels = buckets.map { Self.split($0.label, fitting: Int(slot / 5.8)) }
        // Room under the axis for one or two lines of bucket labels.
        let height = baseline + 10 + 13 * Double(labels.map(\.count).max() ?? 1) + 6
        let most = buckets.map(\.count).max() ?? 0
        var parts = [
            svgOpen(
                id: "time-to-evaluation-chart", width: width, height: height,
                title:
                    "Days from referral to first evaluation over the 30 days \(report.rollingFrom) to \(report.date): "
                    + "\(ReportFormat.count(stats.count, "referral", "referrals"))")
        ]
        parts.append(svgLine(left, top, left, baseline))
        parts.append(svgLine(left, baseline, width - right, baseline))
        parts.append(svgText("0", x: left - 6, y: baseline + 4, anchor: "end", size: 11, fill: Self.axis))
        if most > 0 {
            parts.append(svgText("\(most)", x: left - 6, y: top + 4, anchor: "end", size: 11, fill: Self.axis))
        }
        let barWidth = slot * 0.7
        for (index, bucket) in buckets.enumerated() {
            let center = left + slot * (Double(index) + 0.5)
            // Zero when every bucket is empty, so nothing divides by zero.
            let barHeight = most > 0 ? plotHeight * Double(max(bucket.count, 0)) / Double(most) : 0
            parts.append(
                svgRect(
                    x: center - barWidth / 2, y: baseline - barHeight, width: barWidth, height: barHeight,
                    fill: Self.bar))
            parts.append(svgText("\(bucket.count)", x: center, y: baseline - barHeight - 5, anchor: "middle", size: 11))
            for (offset, line) in labels[index].enumerated() {
                parts.append(
                    svgText(line, x: center, y: baseline + 15 + 13 * Double(offset), anchor: "middle", size: 11))
            }
        }
        if most <= 0 {
            let note = buckets.isEmpty ? "No data" : "No data: no referrals reached evaluation in this period"
            parts.append(
                svgText(note, x: left + plotWidth / 2, y: top + plotHeight / 2, anchor: "middle", fill: Self.axis))
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    /// A bucket label on one line when it fits, otherwise on two, broken at the space nearest the middle.
    private static func split(_ label: String, fitting length: Int) -> [String] {
        guard label.count > length else { return [label] }
        let spaces = label.indices.filter { label[$0] == " " }
        let middle = label.count / 2
        guard
            let space = spaces.min(by: {
                abs(label.distance(from: label.startIndex, to: $0) - middle)
                    < abs(label.distance(from: label.startIndex, to: $1) - middle)
            })
        else { return [clipped(label, to: length)] }
        return [String(label[..<space]), String(label[label.index(after: space)...])].map { clipped($0, to: length) }
    }

    // MARK: Building blocks

    private func section(_ id: String, _ title: String, _ body: [String]) -> String {
        "<section id=\"\(id)\">\n<h2>\(escape(title))</h2>\n" + body.joined(separator: "\n") + "\n</section>"
    }

    private func paragraph(_ text: String) -> String {
        "<p>\(escape(text))</p>"
    }

    private func empty(_ text: String) -> String {
        "<p class=\"empty\">\(escape(text))</p>"
    }

    private func figure(_ svg: String) -> String {
        "<figure class=\"chart\">\n\(svg)\n</figure>"
    }

    /// A table inside a wrapper that scrolls sideways on a narrow screen instead of squeezing the columns.
    private func table(caption: String?, _ columns: [HTMLColumn], _ rows: [HTMLRow]) -> String {
        func classes(_ names: [String]) -> String {
            let names = names.filter { !$0.isEmpty }
            return names.isEmpty ? "" : " class=\"\(names.joined(separator: " "))\""
        }
        var html = "<div class=\"table-wrap\">\n<table>\n"
        if let caption { html += "<caption>\(escape(caption))</caption>\n" }
        html +=
            "<thead><tr>"
            + columns.map { column in
                "<th scope=\"col\"\(classes(column.numeric ? ["num"] : []))>\(column.titleHTML ?? escape(column.title))</th>"
            }.joined() + "</tr></thead>\n<tbody>\n"
        for row in rows {
            html +=
                "<tr\(classes(row.classes))>"
                + zip(columns, row.cells).map { column, cell in
                    "<td\(classes((column.numeric ? ["num"] : []) + cell.classes))>\(cell.html)</td>"
                }.joined() + "</tr>\n"
        }
        return html + "</tbody>\n</table>\n</div>"
    }

    private func period(_ funnel: NightlyReport.Funnel) -> String {
        funnel.from == funnel.to ? funnel.from : "\(funnel.from) to \(funnel.to)"
    }

    /// `Tue 2026-11-24`.
    private func dayName(_ date: String) -> String {
        ReportFormat.weekday(date).map { "\($0) \(date)" } ?? date
    }

    // Inline so the page is one file; no backgrounds matter when printed, and borders carry the highlights there.
    private static let style = """

        :root { color-scheme: light; }
        * { box-sizing: border-box; }
        body { margin: 0 auto; padding: 1rem; max-width: 64rem; color: #1a1a1a; background: #ffffff;
          font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
        h1 { font-size: 1.5rem; line-height: 1.2; margin: 0 0 .75rem; overflow-wrap: anywhere; }
        h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; padding-bottom: .25rem; border-bottom: 2px solid #1f3f6b; }
        p { margin: .4rem 0; }
        .meta { display: grid; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); gap: .4rem 1rem; margin: 0 0 1rem; }
        .meta dt { font-size: .8rem; color: #4a4a4a; }
        .meta dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
        .glance { display: flex; flex-wrap: wrap; gap: .5rem; list-style: none; padding: 0; margin: 0; }
        .glance li { border: 1px solid #bdbdbd; border-radius: .4rem; padding: .25rem .6rem; }
        .glance li.alert { border: 2px solid #a4161a; }
        .table-wrap { overflow-x: auto; -webkit-overflow-scrolling: touch; margin: .5rem 0 1rem; }
        table { border-collapse: collapse; width: 100%; font-size: .9rem; }
        caption { text-align: left; font-weight: 600; padding: .25rem 0; }
        th, td { padding: .35rem .5rem; border-bottom: 1px solid #d0d0d0; text-align: left; vertical-align: top; }
        th { border-bottom: 2px solid #8a8a8a; font-size: .8rem; color: #333333; }
        th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
        td.num, .nowrap, td.name { white-space: nowrap; }
        td.note { min-width: 14rem; }
        tr.urgent td { background: #fdeeee; }
        tr.urgent td:first-child, tr.attention td:first-child { border-left: 4px solid #a4161a; }
        tr.attention td:first-child { border-left-color: #b35c00; }
        .alert { color: #a4161a; font-weight: 700; }
        .muted { color: #4a4a4a; font-size: .8rem; }
        .empty { font-style: italic; }
        figure.chart { margin: .75rem 0 1rem; overflow-x: auto; }
        svg.chart { display: block; width: 100%; height: auto; max-width: 40rem; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
        /* Its cell labels are the smallest text; below this width it scrolls rather than shrinking them. */
        #utilisation-chart { min-width: 30rem; }
        @media (max-width: 40rem) {
          body { padding: .75rem; font-size: 15px; }
          th, td { padding: .3rem .4rem; }
        }
        @media print {
          @page { margin: 15mm; }
          body { max-width: none; padding: 0; color: #000000; background: none; font-size: 10pt; }
          h2 { border-bottom-color: #000000; break-after: avoid; page-break-after: avoid; }
          section, table, figure, tr { break-inside: avoid; page-break-inside: avoid; }
          .table-wrap, figure.chart { overflow: visible; }
          table { font-size: 9pt; }
          td.name { white-space: normal; }
          td.note { min-width: 0; }
          thead { display: table-header-group; }
          tr.urgent td { background: none; }
          th, .muted, .meta dt, .alert { color: #000000; }
          svg.chart { max-width: 16cm; }
        }

        """
}

import ClinicDomain
import Foundation

extension NetworkReport {
    /// The network summary as plain text: one line of figures per clinic, the totals, and the
    /// network's funnel. Each clinic's whole report is in the JSON form, or `--clinic` for one.
    public func text() -> String {
        let header = ["clinic", "date", "new", "overdue", "closing", "tomorrow", "cancelled", "no-shows", "waitlist"]
        var rows = clinics.map { report in
            [
                report.clinic.name, report.date, "\(report.newReferrals.total)", "\(report.overdue.count)",
                "\(report.windowClosing.count)", "\(report.tomorrow.visits.count)", "\(report.disruptions.cancelled)",
                "\(report.disruptions.noShows)", "\(report.waitlist.length)",
            ]
        }
        rows.append([
            "All \(ReportFormat.count(totals.clinics, "clinic", "clinics"))", day, "\(totals.newReferrals.total)",
            "\(totals.overdue)", "\(totals.windowClosing)", "\(totals.tomorrowVisits)", "\(totals.cancelled)",
            "\(totals.noShows)", "\(totals.waitlistLength)",
        ])
        let widths = header.indices.map { column in
            ([header] + rows).map { min($0[column].count, 40) }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).enumerated().map { index, pair in
                let cell = String(pair.0.prefix(40))
                // Names left, figures right.
                return index < 2
                    ? cell.padding(toLength: pair.1, withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: max(0, pair.1 - cell.count)) + cell
            }
            .joined(separator: "  ")
        }
        var lines = [
            "Network summary of the nightly report for \(day) (each clinic's own calendar)",
            "Generated \(ReportFormat.timestamp(generatedAt))", "",
        ]
        lines.append(line(header))
        lines += rows.dropLast().map(line)
        lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        lines.append(line(rows.last!))
        lines.append("")
        for (title, stages) in [("day", totals.funnelDay), ("rolling 30 days", totals.funnelRolling30Days)] {
            let steps = stages.map { stage in
                "\(ReportFormat.stageLabel(stage.stage)) \(stage.count)"
                    + (ReportFormat.oneDecimal(stage.conversionPercent).map { " (\($0)%)" } ?? "")
            }
            lines.append("Funnel, \(title): " + (steps.isEmpty ? ReportFormat.absent : steps.joined(separator: " → ")))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

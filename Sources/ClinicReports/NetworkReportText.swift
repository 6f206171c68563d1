import ClinicDomain
import Foundation

extension NetworkReport {
    /// The network summary as plain text: one line of figures per clinic, the totals, and the
    /// network's funnel. Each clinic's whole report is in the JSON form, or `--clinic` for one.
    public func text() -> String {
        let columns: [TextColumn] = [
            .init("Clinic", minWidth: 12), .init("Date"), .init("New", align: .right), .init("Overdue", align: .right),
            .init("Closing", align: .right), .init("Tomorrow", align: .right), .init("Cancelled", align: .right),
            .init("No-shows", align: .right), .init("Waitlist", align: .right),
        ]
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
        var lines = [
            "Network summary of the nightly report for \(day) (each clinic's own calendar)",
            "Generated \(ReportFormat.timestamp(generatedAt))", "",
        ]
        lines += TextLayout.table(columns, rows, indent: 0, width: 110)
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

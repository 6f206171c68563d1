import ClinicDomain
import Foundation

extension NightlyReport {
    /// The report as one RFC 4180 CSV table of facts, `section,item,field,value`, one fact a line.
    ///
    /// Lines end with CRLF, the header line included. `item` names the thing a fact is about and is
    /// empty for a fact about the whole section; `value` is empty for an absent optional value.
    /// Rows come in this order:
    ///
    /// - `report,,clinic_id|clinic_name|time_zone|date|rolling_from|generated_at` (UTC ISO-8601)
    /// - `new_referrals,,total`; `new_referrals_by_urgency,<urgency>,count`; `new_referrals_by_source,<source>,count`
    /// - `funnel_day,,from|to`, then `funnel_day,<stage>,count|conversion_percent` per stage; the same for
    ///   `funnel_30_days`
    /// - `timing,referral_to_evaluation|evaluation_to_procedure,count|median_days|p90_days`
    /// - `distribution_referral_to_evaluation,<bucket label>,min_days|max_days|count`; the same for
    ///   `distribution_evaluation_to_procedure` (`max_days` empty for the open-ended bucket)
    /// - `overdue,<n>,…` and `window_closing,<n>,…` with `n` counting from 1 and the fields `referral_id,
    ///   patient_name, mrn, urgency, status, received_on, age_days, evaluation_due_on, days_overdue,
    ///   window_closes_on, days_left, next_action`
    /// - `tomorrow,,date`, then `tomorrow,<n>,appointment_id|referral_id|kind|state|starts|ends|patient_name|mrn|
    ///   levels|resources|open_items`; the three lists are joined with `; `
    /// - `resource,<name>,resource_id|kind` per resource, then
    ///   `utilisation,<name> <YYYY-MM-DD>,available_minutes|booked_minutes|percent` per resource and day: the
    ///   item is the resource's name (unique in a clinic), a space, and the date, which is always its last 10
    ///   characters
    /// - `disruptions,,cancelled|no_shows`, then `disruptions,<n>,appointment_id|kind|state|starts|patient_name|reason`
    /// - `waitlist,,length`, then `waitlist,oldest,referral_id|patient_name|candidate_since|waiting_days`, always
    ///   present and empty when no one waits
    ///
    /// Numbers are plain (`-1`, `60.0`; percentages with one decimal). Text from the model that starts with
    /// `=`, `+`, `-`, `@`, a tab or a CR gets a leading `'` so a spreadsheet shows it instead of running it
    /// as a formula.
    public func csv() -> String {
        var table = CSVTable()
        table.add("report", "", "clinic_id", .text(clinic.id))
        table.add("report", "", "clinic_name", .text(clinic.name))
        table.add("report", "", "time_zone", .text(clinic.timeZone))
        table.add("report", "", "date", .text(date))
        table.add("report", "", "rolling_from", .text(rollingFrom))
        table.add("report", "", "generated_at", .text(ReportFormat.timestamp(generatedAt)))

        table.add("new_referrals", "", "total", .int(newReferrals.total))
        for count in newReferrals.byUrgency {
            table.add("new_referrals_by_urgency", .text(count.key), "count", .int(count.count))
        }
        for count in newReferrals.bySource {
            table.add("new_referrals_by_source", .text(count.key), "count", .int(count.count))
        }

        for (section, funnel) in [("funnel_day", funnel.day), ("funnel_30_days", funnel.rolling30Days)] {
            table.add(section, "", "from", .text(funnel.from))
            table.add(section, "", "to", .text(funnel.to))
            for stage in funnel.stages {
                table.add(section, .text(stage.stage), "count", .int(stage.count))
                table.add(section, .text(stage.stage), "conversion_percent", .percent(stage.conversionPercent))
            }
        }

        let timings = [
            ("referral_to_evaluation", self.timings.referralToEvaluation),
            ("evaluation_to_procedure", self.timings.evaluationToProcedure),
        ]
        for (name, stats) in timings {
            table.add("timing", .text(name), "count", .int(stats.count))
            table.add("timing", .text(name), "median_days", .decimal(stats.medianDays))
            table.add("timing", .text(name), "p90_days", .decimal(stats.p90Days))
        }
        for (name, stats) in timings {
            for bucket in stats.distribution {
                table.add("distribution_\(name)", .text(bucket.label), "min_days", .int(bucket.minDays))
                table.add("distribution_\(name)", .text(bucket.label), "max_days", .int(bucket.maxDays))
                table.add("distribution_\(name)", .text(bucket.label), "count", .int(bucket.count))
            }
        }

        for (section, referrals) in [("overdue", overdue), ("window_closing", windowClosing)] {
            for (index, referral) in referrals.enumerated() {
                let item = CSVValue.int(index + 1)
                table.add(section, item, "referral_id", .text(referral.referralId))
                table.add(section, item, "patient_name", .text(referral.patientName))
                table.add(section, item, "mrn", .text(referral.mrn))
                table.add(section, item, "urgency", .text(referral.urgency))
                table.add(section, item, "status", .text(referral.status))
                table.add(section, item, "received_on", .text(referral.receivedOn))
                table.add(section, item, "age_days", .int(referral.ageDays))
                table.add(section, item, "evaluation_due_on", .text(referral.evaluationDueOn))
                table.add(section, item, "days_overdue", .int(referral.daysOverdue))
                table.add(section, item, "window_closes_on", .text(referral.windowClosesOn))
                table.add(section, item, "days_left", .int(referral.daysLeft))
                table.add(section, item, "next_action", .text(referral.nextAction))
            }
        }

        table.add("tomorrow", "", "date", .text(tomorrow.date))
        for (index, visit) in tomorrow.visits.enumerated() {
            let item = CSVValue.int(index + 1)
            table.add("tomorrow", item, "appointment_id", .text(visit.appointmentId))
            table.add("tomorrow", item, "referral_id", .text(visit.referralId))
            table.add("tomorrow", item, "kind", .text(visit.kind))
            table.add("tomorrow", item, "state", .text(visit.state))
            table.add("tomorrow", item, "starts", .text(visit.starts))
            table.add("tomorrow", item, "ends", .text(visit.ends))
            table.add("tomorrow", item, "patient_name", .text(visit.patientName))
            table.add("tomorrow", item, "mrn", .text(visit.mrn))
            table.add("tomorrow", item, "levels", .list(visit.levels))
            table.add("tomorrow", item, "resources", .list(visit.resources))
            table.add("tomorrow", item, "open_items", .list(visit.openItems))
        }

        for use in utilisation {
            table.add("resource", .text(use.name), "resource_id", .text(use.resourceId))
            table.add("resource", .text(use.name), "kind", .text(use.kind))
        }
        for use in utilisation {
            for day in use.days {
                let item = CSVValue.text("\(use.name) \(day.date)")
                table.add("utilisation", item, "available_minutes", .int(day.availableMinutes))
                table.add("utilisation", item, "booked_minutes", .int(day.bookedMinutes))
                table.add("utilisation", item, "percent", .percent(day.percent))
            }
        }

        table.add("disruptions", "", "cancelled", .int(disruptions.cancelled))
        table.add("disruptions", "", "no_shows", .int(disruptions.noShows))
        for (index, visit) in disruptions.visits.enumerated() {
            let item = CSVValue.int(index + 1)
            table.add("disruptions", item, "appointment_id", .text(visit.appointmentId))
            table.add("disruptions", item, "kind", .text(visit.kind))
            table.add("disruptions", item, "state", .text(visit.state))
            table.add("disruptions", item, "starts", .text(visit.starts))
            table.add("disruptions", item, "patient_name", .text(visit.patientName))
            table.add("disruptions", item, "reason", .text(visit.reason))
        }

        table.add("waitlist", "", "length", .int(waitlist.length))
        let oldest = waitlist.oldest
        table.add("waitlist", "oldest", "referral_id", .text(oldest?.referralId))
        table.add("waitlist", "oldest", "patient_name", .text(oldest?.patientName))
        table.add("waitlist", "oldest", "candidate_since", .text(oldest?.candidateSince))
        table.add("waitlist", "oldest", "waiting_days", .int(oldest?.waitingDays))
        return table.text
    }
}

/// One CSV value, rendered according to where it came from.
private enum CSVValue: ExpressibleByStringLiteral {
    /// Text written by this file (section and field names): trusted as is.
    case fixed(String)
    /// Text from the model, which may be anything a user typed.
    case text(String?)
    case int(Int?)
    /// A percentage, which the model keeps to one decimal.
    case percent(Double?)
    /// Any other decimal, kept at full precision.
    case decimal(Double?)
    /// Model text items joined with `; `.
    case list([String])

    init(stringLiteral value: String) {
        self = .fixed(value)
    }

    var field: String {
        switch self {
        case .fixed(let text): text
        case .text(let text): text.map(Self.defused) ?? ""
        case .int(let number): number.map(String.init) ?? ""
        case .percent(let number): ReportFormat.oneDecimal(number) ?? ""
        // Double's description is the shortest exact form and never localised.
        case .decimal(let number): number.flatMap { $0.isFinite ? $0.description : nil } ?? ""
        case .list(let items): Self.defused(items.joined(separator: "; "))
        }
    }

    /// Spreadsheets run a cell that starts with one of these as a formula (CSV injection), so such
    /// text gets a leading apostrophe, which they treat as "show as text".
    private static func defused(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return text }
        return "'" + text
    }
}

/// Builds the CSV text with the header line already in place.
private struct CSVTable {
    private(set) var text = "section,item,field,value\r\n"

    mutating func add(_ section: String, _ item: CSVValue, _ field: String, _ value: CSVValue) {
        text += [section, item.field, field, value.field].map(Self.quoted).joined(separator: ",") + "\r\n"
    }

    /// RFC 4180 quoting. Checked by scalar, because Swift treats CRLF as one Character that equals
    /// neither CR nor LF.
    private static func quoted(_ field: String) -> String {
        guard field.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) else {
            return field
        }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

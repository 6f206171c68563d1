import ClinicServices
import Foundation
import Logging
import Prometheus

/// Implements the generated `APIProtocol`: translates DTOs to service calls and back, nothing more.
/// One extension per area of the document lives beside this file.
struct APIHandler: APIProtocol {
    let services: APIServices
    let metrics: PrometheusCollectorRegistry
    let readinessTimeout: Duration
    let cursors: CursorSeal
    let publishing: SMARTPublishing
    let publishedFiles: PublishedFileCache
}

import ArgumentParser
import DPWall

/// `dpwall`: an inference firewall for machine-learning model serving.
@main
struct DPWallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dpwall",
        abstract: "An inference firewall: strict validation and differentially private release of model outputs.",
        version: DPWallVersion.current,
        subcommands: [
            FilterCommand.self, ReplayCommand.self, ReportCommand.self, PolicyCommand.self, BudgetCommand.self,
            QuotaCommand.self,
            AuditCommand.self,
            KeygenCommand.self,
        ]
    )
}

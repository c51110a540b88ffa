/**
 * cdk-nag v3 through aws-cdk-lib's validation plugins: all five packs, findings collected from
 * the validation report that synthesis writes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';

export interface NagFinding {
  readonly plugin: string;
  readonly rule: string;
  readonly severity: string;
  readonly path: string;
}

export interface NagAcknowledged {
  readonly rule: string;
  readonly path: string;
  readonly reason: string;
}

export interface NagResult {
  readonly findings: NagFinding[];
  readonly acknowledged: NagAcknowledged[];
  readonly pluginErrors: string[];
  readonly plugins: string[];
}

/** A new app whose synthesis runs the five packs and does not throw on findings. */
export function nagApp(): App {
  const app = new App({
    outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'nag-')),
    context: { '@aws-cdk/core:failSynthOnValidationErrors': false },
  });
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app),
    new NIST80053R5Checks(app),
    new HIPAASecurityChecks(app),
    new PCIDSS321Checks(app),
    new ServerlessChecks(app),
  );
  return app;
}

/** Synthesizes the app and reads its validation report. */
export function runNag(app: App): NagResult {
  const outdir = app.synth().directory;
  const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
  const findings: NagFinding[] = [];
  const acknowledged: NagAcknowledged[] = [];
  const pluginErrors: string[] = [];
  const plugins: string[] = [];
  for (const plugin of report.pluginReports ?? []) {
    plugins.push(plugin.pluginName);
    if (plugin.metadata?.error) pluginErrors.push(`${plugin.pluginName}: ${plugin.metadata.error}`);
    for (const violation of plugin.violations ?? []) {
      for (const construct of violation.violatingConstructs ?? []) {
        findings.push({ plugin: plugin.pluginName, rule: violation.ruleName, severity: violation.severity, path: construct.constructPath });
      }
    }
    for (const violation of plugin.suppressedViolations ?? []) {
      for (const construct of violation.violatingConstructs ?? []) {
        acknowledged.push({ rule: violation.ruleName, path: construct.constructPath, reason: violation.reason });
      }
    }
  }
  fs.rmSync(outdir, { recursive: true, force: true });
  return { findings, acknowledged, pluginErrors, plugins };
}

/** Acknowledges, on a test's own VPC, the VPC findings (flow logs, default security group) that belong to the user's VPC, not to the library. */
export function acknowledgeTestVpc(vpc: IConstruct): void {
  Validations.of(vpc).acknowledge(...['AwsSolutions::AwsSolutions-VPC7', 'NIST.800.53.R5::NIST.800.53.R5-VPCFlowLogsEnabled',
    'HIPAA.Security::HIPAA.Security-VPCFlowLogsEnabled', 'PCI.DSS.321::PCI.DSS.321-VPCFlowLogsEnabled',
    'NIST.800.53.R5::NIST.800.53.R5-VPCDefaultSecurityGroupClosed', 'HIPAA.Security::HIPAA.Security-VPCDefaultSecurityGroupClosed',
    'PCI.DSS.321::PCI.DSS.321-VPCDefaultSecurityGroupClosed'].map((id) => ({ id, reason: 'the test VPC stands in for yours' })));
}

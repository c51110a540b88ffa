/**
 * The example app synthesized into a temporary cloud assembly, for tests that run what
 * `cdk synth` made (its templates and its asset directories) rather than the sources.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { PORTABLE_STACK_NAME, SnowflakePortableStack } from '../../examples/typescript/portable-stack';
import { SnowflakeExampleStack } from '../../examples/typescript/snowflake-stack';

export interface ExampleAssembly {
  readonly outdir: string;
  /** The main example stack's template (Example.template.json). */
  readonly template: any;
  /** Every example stack's template file (the main one and the portable one), absolute paths. */
  readonly templateFiles: string[];
  /** Every example stack's asset manifest, absolute paths. */
  readonly assetManifests: string[];
  /** The asset directory behind a template's `S3Key` (`<hash>.zip`). */
  assetDir(s3Key: string): string;
  remove(): void;
}

export function synthesizeExample(): ExampleAssembly {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'example-out-'));
  const app = new App({ outdir });
  new SnowflakeExampleStack(app, 'Example', { env: { account: '123456789012', region: 'us-east-1' } });
  new SnowflakePortableStack(app, PORTABLE_STACK_NAME);
  app.synth();
  // Lambda-like instances run as an unprivileged user: let them read the assembly.
  fs.chmodSync(outdir, 0o755);
  const template = JSON.parse(fs.readFileSync(path.join(outdir, 'Example.template.json'), 'utf8'));
  const assets = JSON.parse(fs.readFileSync(path.join(outdir, 'Example.assets.json'), 'utf8'));
  const files = fs.readdirSync(outdir);
  return {
    outdir,
    template,
    templateFiles: files.filter((f) => f.endsWith('.template.json')).map((f) => path.join(outdir, f)),
    assetManifests: files.filter((f) => f.endsWith('.assets.json')).map((f) => path.join(outdir, f)),
    assetDir: (s3Key) => path.join(outdir, assets.files[s3Key.replace(/\.zip$/, '')].source.path),
    remove: () => fs.rmSync(outdir, { recursive: true, force: true }),
  };
}

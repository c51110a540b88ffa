/**
 * The main job: synthesize examples/ into cdk.out/ and print what was made.
 *
 * Run with ./scripts/main.sh (which installs what it needs first).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const repo = path.resolve(__dirname, '..');
const outdir = path.join(repo, 'cdk.out');
fs.rmSync(outdir, { recursive: true, force: true });

execFileSync(process.execPath, [require.resolve('ts-node/dist/bin'), '--project', 'test/tsconfig.json', 'examples/typescript/app.ts'], {
  cwd: repo,
  env: { ...process.env, CDK_OUTDIR: outdir },
  stdio: 'inherit',
});

const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
const lines: string[] = [`Synthesized examples/typescript/app.ts into ${path.relative(process.cwd(), outdir) || '.'}/`];
for (const [name, artifact] of Object.entries<any>(manifest.artifacts)) {
  if (artifact.type !== 'aws:cloudformation:stack') continue;
  const templateFile = artifact.properties.templateFile;
  const template = JSON.parse(fs.readFileSync(path.join(outdir, templateFile), 'utf8'));
  const resources = Object.values<any>(template.Resources ?? {});
  const byType = new Map<string, number>();
  for (const resource of resources) byType.set(resource.Type, (byType.get(resource.Type) ?? 0) + 1);
  lines.push('', `Stack ${name} (${artifact.environment}), template ${templateFile}`);
  lines.push(`  ${resources.length} resources:`);
  for (const [type, count] of [...byType].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`    ${String(count).padStart(3)}  ${type}`);
  }
  const outputs = Object.entries<any>(template.Outputs ?? {});
  if (outputs.length) {
    lines.push(`  ${outputs.length} outputs (values are known at deploy time; the key pair is generated inside AWS):`);
    for (const [outputName, output] of outputs) {
      lines.push(`    ${outputName}: ${output.Description ?? ''}`);
      lines.push(`      = ${describeValue(output.Value)}`);
    }
  }
  const assetsFile = path.join(outdir, `${name}.assets.json`);
  if (fs.existsSync(assetsFile)) {
    const assets = JSON.parse(fs.readFileSync(assetsFile, 'utf8'));
    for (const [hash, file] of Object.entries<any>(assets.files ?? {})) {
      if (file.source.packaging === 'zip') lines.push(`  asset ${hash.slice(0, 12)}… ${file.displayName ?? file.source.path}`);
    }
  }
}
process.stdout.write(`${lines.join('\n')}\n`);

/** A CloudFormation value in one readable line. */
function describeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, any>;
  if (v['Fn::GetAtt']) return `\${GetAtt ${v['Fn::GetAtt'].join('.')}}`;
  if (v.Ref) return `\${Ref ${v.Ref}}`;
  if (v['Fn::Join']) return v['Fn::Join'][1].map(describeValue).join('');
  return JSON.stringify(value);
}

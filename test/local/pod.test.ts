/**
 * A local pod's pieces: files written into a clone never go through a symlink (a cloned
 * repository may hold one pointing anywhere on this machine), and paths inside a container map
 * through its mounts onto the pod's own directories.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Container } from '@kubernetes/client-node';
import { UnsafePathError, writeInside } from '../../shared/local/pod/safe-write.js';
import { createVolumes, localPath, mapEnv, PodError } from '../../shared/local/pod/volumes.js';

test('files are written inside, making directories; never through a symlink, at the file or on the way', () => {
  const clone = mkdtempSync(join(tmpdir(), 'dendrite-clone-'));
  const outside = mkdtempSync(join(tmpdir(), 'dendrite-outside-'));
  writeFileSync(join(outside, 'victim'), 'untouched\n');
  writeInside(clone, '.claude/skills/x/SKILL.md', 'skill');
  assert.equal(readFileSync(join(clone, '.claude/skills/x/SKILL.md'), 'utf8'), 'skill');
  writeInside(clone, '.claude/skills/x/SKILL.md', 'again');
  assert.equal(readFileSync(join(clone, '.claude/skills/x/SKILL.md'), 'utf8'), 'again', 'an existing file is replaced');

  symlinkSync(join(outside, 'victim'), join(clone, 'CLAUDE.md'));
  assert.throws(() => writeInside(clone, 'CLAUDE.md', 'evil'), UnsafePathError);
  symlinkSync(outside, join(clone, 'docs'));
  assert.throws(() => writeInside(clone, 'docs/victim', 'evil'), (err: Error) => err instanceof UnsafePathError && /docs is not a directory of the repository/.test(err.message));
  mkdirSync(join(clone, 'a'));
  writeFileSync(join(clone, 'a', 'file'), 'x');
  assert.throws(() => writeInside(clone, 'a/file/inner', 'x'), UnsafePathError, 'a file where a directory is needed');
  assert.equal(readFileSync(join(outside, 'victim'), 'utf8'), 'untouched\n');
});

const container = (mounts: Array<{ name: string; mountPath: string }>, env: V1Container['env'] = []): V1Container => ({ name: 'agent', image: 'i', volumeMounts: mounts, env });

test('emptyDir volumes are directories of the pod; container paths map through that container\'s mounts', () => {
  const pod = mkdtempSync(join(tmpdir(), 'dendrite-pod-'));
  const volumes = createVolumes(pod, { containers: [], volumes: [{ name: 'workspace', emptyDir: {} }, { name: 'axon-plugin', emptyDir: {} }] });
  assert.ok(existsSync(join(pod, 'workspace')) && existsSync(join(pod, 'axon-plugin')));
  const agent = container([{ name: 'workspace', mountPath: '/workspace' }, { name: 'axon-plugin', mountPath: '/axon/plugin' }], [
    { name: 'AXON_PLUGIN_DIR', value: '/axon/plugin' },
    { name: 'NOTES', value: '/workspace/repo/NOTES.md' },
    { name: 'ELSEWHERE', value: '/etc/hosts' },
    { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: '/workspace/looks-like-a-path' } } },
  ]);
  assert.equal(localPath(agent, volumes, '/workspace/repo'), join(pod, 'workspace', 'repo'));
  assert.equal(localPath(agent, volumes, '/workspacex'), undefined, 'a prefix is not a mount');
  assert.equal(localPath(container([]), volumes, '/workspace/repo'), undefined, 'not mounted in that container');
  const env = mapEnv(agent, volumes, { AXON_PLUGIN_DIR: '/axon/plugin', NOTES: '/workspace/repo/NOTES.md', ELSEWHERE: '/etc/hosts', TOKEN: '/workspace/secret', PATH: '/usr/bin' });
  assert.deepEqual(env, {
    AXON_PLUGIN_DIR: join(pod, 'axon-plugin'),
    NOTES: join(pod, 'workspace', 'repo', 'NOTES.md'),
    ELSEWHERE: '/etc/hosts',
    TOKEN: '/workspace/secret',
    PATH: '/usr/bin',
  }, 'only plain values the container declares, and only inside its mounts');
  assert.throws(() => createVolumes(pod, { containers: [], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'c' } }] }), PodError);
});

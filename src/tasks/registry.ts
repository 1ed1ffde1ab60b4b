/** Task name → task. Adding a task = its file + one line here. */
import { ConfigError } from '../errors.js';
import { dvsGestureTask } from './dvsgesture.js';
import { mnistTask } from './mnist.js';
import { nettalkTask } from './nettalk.js';
import type { Task } from './task.js';

const TASKS = { mnist: mnistTask, nettalk: nettalkTask, dvsgesture: dvsGestureTask } as const satisfies Record<string, Task>;

export type TaskName = keyof typeof TASKS;
export const TASK_NAMES = Object.keys(TASKS) as [TaskName, ...TaskName[]];

export function getTask(name: string): Task {
  const task = (TASKS as Record<string, Task>)[name];
  if (!task) throw new ConfigError(`unknown task "${name}" (expected one of: ${TASK_NAMES.join(', ')})`);
  return task;
}

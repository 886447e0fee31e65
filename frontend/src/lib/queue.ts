// Explanations cost seconds of CPU each on the server, so the app asks for them one at a time
// (in order, urgent ones first) instead of flooding a two-core machine with parallel requests.

type Task = { run: () => Promise<void>; key: string }

export class SerialQueue {
  private tasks: Task[] = []
  private running = false
  private generation = 0
  private keys = new Set<string>()

  /** Adds a task unless one with the same key is waiting or running. `urgent` puts it first. */
  push(key: string, run: () => Promise<void>, urgent = false): boolean {
    if (this.keys.has(key)) return false
    this.keys.add(key)
    const task = { key, run }
    if (urgent) this.tasks.unshift(task)
    else this.tasks.push(task)
    void this.drain()
    return true
  }

  /** Forgets every waiting task (a task already running finishes, its result is for the caller to ignore). */
  clear(): void {
    this.generation += 1
    this.tasks = []
    this.keys.clear()
  }

  /** True while a task with this key is waiting or running. */
  has(key: string): boolean {
    return this.keys.has(key)
  }

  get size(): number {
    return this.tasks.length + (this.running ? 1 : 0)
  }

  private async drain(): Promise<void> {
    if (this.running) return
    this.running = true
    try {
      while (this.tasks.length > 0) {
        const task = this.tasks.shift()!
        const generation = this.generation
        try {
          await task.run()
        } catch {
          // each task reports its own errors; the queue keeps going
        }
        if (generation === this.generation) this.keys.delete(task.key)
      }
    } finally {
      this.running = false
    }
  }
}

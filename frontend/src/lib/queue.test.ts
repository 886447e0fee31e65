import { describe, expect, it, vi } from 'vitest'
import { SerialQueue } from './queue'

function deferred() {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

const tick = () => new Promise((r) => setTimeout(r, 0))

describe('SerialQueue', () => {
  it('runs one task at a time, in order, urgent ones first', async () => {
    const queue = new SerialQueue()
    const log: string[] = []
    const gate = deferred()
    let running = 0
    let maxRunning = 0
    const task = (name: string, wait?: Promise<void>) => async () => {
      running += 1
      maxRunning = Math.max(maxRunning, running)
      log.push(`start ${name}`)
      await (wait ?? tick())
      log.push(`end ${name}`)
      running -= 1
    }
    queue.push('a', task('a', gate.promise))
    queue.push('b', task('b'))
    queue.push('c', task('c'), true)
    await tick()
    expect(log).toEqual(['start a'])
    gate.resolve()
    // until the queue is empty (a fixed 20 ms wait raced b's own timer on a loaded machine)
    await vi.waitFor(() => expect(queue.size).toBe(0))
    expect(log).toEqual(['start a', 'end a', 'start c', 'end c', 'start b', 'end b'])
    expect(maxRunning).toBe(1)
    expect(queue.size).toBe(0)
  })

  it('drops a task whose key is waiting or running, accepts it again once done', async () => {
    const queue = new SerialQueue()
    let runs = 0
    const run = async () => {
      runs += 1
      await tick()
    }
    expect(queue.push('k', run)).toBe(true)
    expect(queue.push('k', run)).toBe(false)
    await new Promise((r) => setTimeout(r, 10))
    expect(runs).toBe(1)
    expect(queue.push('k', run)).toBe(true)
    await new Promise((r) => setTimeout(r, 10))
    expect(runs).toBe(2)
  })

  it('has() tells a waiting or running key from a finished one', async () => {
    const queue = new SerialQueue()
    const gate = deferred()
    queue.push('a', () => gate.promise)
    queue.push('b', async () => undefined)
    expect(queue.has('a')).toBe(true)
    expect(queue.has('b')).toBe(true)
    expect(queue.has('c')).toBe(false)
    gate.resolve()
    await tick()
    await tick()
    expect(queue.has('a')).toBe(false)
    expect(queue.has('b')).toBe(false)
  })

  it('clear() forgets waiting tasks and a failing task does not stop the queue', async () => {
    const queue = new SerialQueue()
    const ran: string[] = []
    const gate = deferred()
    queue.push('first', async () => {
      ran.push('first')
      await gate.promise
      throw new Error('failed')
    })
    queue.push('second', async () => {
      ran.push('second')
    })
    await tick()
    queue.clear()
    queue.push('third', async () => {
      ran.push('third')
    })
    gate.resolve()
    await new Promise((r) => setTimeout(r, 10))
    expect(ran).toEqual(['first', 'third'])
  })
})

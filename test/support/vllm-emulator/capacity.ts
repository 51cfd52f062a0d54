/** A request's place in the scheduler. */
export interface SchedulerTicket {
  state: "waiting" | "running" | "done";
  readonly start: () => void;
}

/**
 * vLLM's scheduler seen from outside: at most `maxNumSeqs` sequences run at once, the others wait FIFO in a
 * queue without bound (vLLM never answers 429/503 for overload).
 */
export class Scheduler {
  running = 0;
  waiting = 0;
  private queue: SchedulerTicket[] = [];
  private head = 0;
  private draining = false;

  constructor(private readonly maxNumSeqs: number) {}

  /** Queues a request; its `start` runs (maybe synchronously, before this returns) once a slot is free. */
  enqueue(ticket: SchedulerTicket): void {
    this.queue.push(ticket);
    this.waiting++;
    this.drain();
  }

  /** Frees a running slot, or drops a waiting request (client gone). Idempotent. */
  release(ticket: SchedulerTicket): void {
    // Clamped: `clear()` forgets running tickets, which may be released afterwards.
    if (ticket.state === "running") this.running = Math.max(0, this.running - 1);
    else if (ticket.state === "waiting") this.waiting = Math.max(0, this.waiting - 1);
    else return;
    ticket.state = "done";
    this.drain();
  }

  /** Forgets every request without starting any (used by reset and close). */
  clear(): void {
    for (let i = this.head; i < this.queue.length; i++) {
      const ticket = this.queue[i];
      if (ticket !== undefined) ticket.state = "done";
    }
    this.queue = [];
    this.head = 0;
    this.running = 0;
    this.waiting = 0;
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.running < this.maxNumSeqs && this.head < this.queue.length) {
        const ticket = this.queue[this.head++] as SchedulerTicket;
        if (ticket.state !== "waiting") continue;
        ticket.state = "running";
        this.waiting--;
        this.running++;
        ticket.start();
      }
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
    } finally {
      this.draining = false;
    }
  }
}

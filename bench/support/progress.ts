/** Progress lines on stderr while the benchmarks run, stamped with the time since the start. */
export class Progress {
  private readonly started = Date.now();
  private scenario = '';

  begin(scenario: string, title: string): void {
    this.scenario = scenario;
    this.write(`── ${scenario} ${title}`);
  }

  step(message: string): void {
    this.write(`   ${this.scenario} ${message}`);
  }

  note(message: string): void {
    this.write(message);
  }

  elapsedSeconds(): number {
    return (Date.now() - this.started) / 1000;
  }

  private write(line: string): void {
    const elapsed = Math.round(this.elapsedSeconds());
    const stamp = `${String(Math.floor(elapsed / 60)).padStart(2, '0')}:${String(elapsed % 60).padStart(2, '0')}`;
    process.stderr.write(`[bench ${stamp}] ${line}\n`);
  }
}

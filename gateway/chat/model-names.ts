import { unknownModelError } from "../upstream/translate-upstream-error.ts";

/** Maps the names clients may send (the served name and its aliases) to the upstream model name. */
export class ModelNames {
  readonly all: readonly string[];

  constructor(
    readonly served: string,
    aliases: readonly string[],
  ) {
    this.all = [served, ...aliases.filter((alias) => alias !== served)];
  }

  /** The upstream name for `requested`; a missing name means the served model. Unknown names → 404. */
  resolve(requested: string | undefined | null): string {
    if (requested == null || this.all.includes(requested)) return this.served;
    throw unknownModelError(requested, this.all);
  }
}

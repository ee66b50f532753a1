/** A value the program marked secret, as the offline render records it (a module of its own: json.ts needs no SDK). */
export class Secret {
  constructor(readonly value: unknown) {}
}

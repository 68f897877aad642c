/**
 * Reading a password from the terminal without echoing it. Only for a TTY: scripts pass
 * passwords through a file or an environment variable instead.
 */
import { CliError } from "./errors.js";

const ENTER = new Set(["\r", "\n", "\u0004"]);
const BACKSPACE = new Set(["\u007f", "\b"]);
const CTRL_C = "\u0003";

/** Asks `question` on stderr and reads one line from the terminal, showing nothing. */
export function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    return Promise.reject(new CliError("CLI_USAGE", "no terminal to ask for a password on"));
  }
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let answer = "";
    const done = (err?: Error) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(answer);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === CTRL_C) return done(new CliError("CLI_USAGE", "cancelled"));
        if (ENTER.has(ch)) return done();
        if (BACKSPACE.has(ch)) answer = [...answer].slice(0, -1).join("");
        else answer += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.setEncoding("utf8");
    stdin.on("data", onData);
    stdin.resume();
  });
}

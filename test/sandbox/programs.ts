import type { Language, SourceFile } from '../../worker/sandbox/types';

/**
 * The conformance suite's programs, one per case and language. A case a language cannot express
 * (JavaScript has no filesystem, processes or sockets at all) is left out, and the suite says so.
 * Probing programs print ESCAPED when an attack worked, and blocked otherwise.
 */
export type Case =
  | 'hello'
  | 'echo'
  | 'wrongAnswer'
  | 'infiniteLoop'
  | 'allocate1G'
  | 'forkBomb'
  | 'writeOutside'
  | 'socket'
  | 'readSecrets'
  | 'plantSymlink'
  | 'print1M'
  | 'print10M'
  | 'compileError'
  | 'uncaught'
  | 'sumLine';

type Programs = Partial<Record<Case, string>>;

const js: Programs = {
  hello: `console.log('Hello, World!');`,
  echo: `print(stdin.endsWith('\\n') ? stdin.slice(0, -1) : stdin);`,
  wrongAnswer: `console.log(41);`,
  infiniteLoop: `let i = 0; while (true) { i++; }`,
  allocate1G: `const keep = []; for (let i = 0; i < 1024; i++) keep.push(new Array(128 * 1024).fill(i + 0.5)); console.log(keep.length);`,
  // no fs, no process, no require, no dynamic import: every route to the host is absent
  writeOutside: `
    const tries = [
      () => require('fs').writeFileSync(readLine(), 'x'),
      () => process.binding('fs'),
      () => import('node:fs'),
    ];
    let escaped = false;
    for (const t of tries) { try { const r = t(); if (r && typeof r.then === 'function') r.catch(() => {}); else escaped = true; } catch {} }
    console.log(escaped ? 'ESCAPED' : 'blocked');`,
  socket: `
    const names = ['fetch', 'WebSocket', 'XMLHttpRequest', 'require', 'process', 'setTimeout', 'setInterval', 'Deno', 'Bun'];
    const open = names.filter((n) => typeof globalThis[n] !== 'undefined');
    console.log(open.length ? 'ESCAPED ' + open.join(',') : 'blocked');`,
  readSecrets: `
    const seen = [];
    for (const k of Object.getOwnPropertyNames(globalThis)) { try { seen.push(k + '=' + String(globalThis[k])); } catch {} }
    try { seen.push(JSON.stringify(process.env)); } catch {}
    console.log(seen.join('\\n'));`,
  print1M: `const line = 'x'.repeat(1023); for (let i = 0; i < 1024; i++) console.log(line);`,
  print10M: `const line = 'x'.repeat(1023); for (let i = 0; i < 10 * 1024; i++) console.log(line);`,
  compileError: `function main( { console.log('hi') }`,
  uncaught: `function check(n) { if (n > 1) throw new Error('boom at ' + n); } check(2);`,
  sumLine: `const nums = readLine().split(' ').map(Number); console.log(nums.reduce((a, b) => a + b, 0));`,
};

const python: Programs = {
  hello: `print("Hello, World!")`,
  echo: `import sys\nsys.stdout.write(sys.stdin.read().rstrip("\\n") + "\\n")`,
  wrongAnswer: `print(41)`,
  infiniteLoop: `i = 0\nwhile True:\n    i += 1`,
  allocate1G: `keep = []\nfor i in range(1024):\n    keep.append(bytearray(1024 * 1024))\nprint(len(keep))`,
  forkBomb: `import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass`,
  writeOutside: `
import sys
escaped = False
for path in sys.stdin.read().split():
    try:
        with open(path, "w") as f:
            f.write("pwned")
        escaped = True
        print("wrote", path)
    except OSError as e:
        print("blocked", path, e.__class__.__name__)
print("ESCAPED" if escaped else "blocked")`,
  socket: `
import socket, sys
port = int(sys.stdin.read().strip())
escaped = False
for host in ("127.0.0.1", "10.0.2.2", "1.1.1.1"):
    try:
        s = socket.create_connection((host, port if host == "127.0.0.1" else 80), timeout=0.5)
        escaped = True
        s.close()
    except OSError as e:
        print("blocked", host, e.__class__.__name__)
print("ESCAPED" if escaped else "blocked")`,
  readSecrets: `
import os, sys
for path in sys.stdin.read().split():
    try:
        with open(path) as f:
            print(path, f.read())
    except OSError as e:
        print("blocked", path, e.__class__.__name__)
print(dict(os.environ))
try:
    print(open("/proc/1/environ").read())
except OSError as e:
    print("blocked /proc/1/environ", e.__class__.__name__)`,
  plantSymlink: `
import os, sys
targets = sys.stdin.read().split()
for i, t in enumerate(targets):
    os.symlink(t, "link%d" % i)
os.symlink("/etc/passwd", "output")
print("planted", len(targets) + 1)`,
  print1M: `import sys\nline = "x" * 1023 + "\\n"\nfor _ in range(1024):\n    sys.stdout.write(line)`,
  print10M: `import sys\nline = "x" * 1023 + "\\n"\nfor _ in range(10 * 1024):\n    sys.stdout.write(line)`,
  compileError: `def main(:\n    print("hi")`,
  uncaught: `def check(n):\n    if n > 1:\n        raise ValueError("boom at %d" % n)\ncheck(2)`,
  sumLine: `print(sum(int(x) for x in input().split()))`,
};

const cHeader = `#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <unistd.h>\n`;
const c: Programs = {
  hello: `${cHeader}int main(void) { printf("Hello, World!\\n"); return 0; }`,
  echo: `${cHeader}int main(void) { char buf[4096]; size_t n, last = 0; char prev = 0;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) { fwrite(buf, 1, n, stdout); prev = buf[n - 1]; last = n; }
    if (last && prev != '\\n') putchar('\\n'); return 0; }`,
  wrongAnswer: `${cHeader}int main(void) { printf("41\\n"); return 0; }`,
  infiniteLoop: `${cHeader}int main(void) { volatile unsigned long i = 0; for (;;) i++; }`,
  allocate1G: `${cHeader}int main(void) { size_t total = 0; for (int i = 0; i < 1024; i++) { char *p = malloc(1 << 20);
    if (!p) { fprintf(stderr, "malloc failed at %zu MB\\n", total >> 20); return 3; } memset(p, 1, 1 << 20); total += 1 << 20; }
    printf("%zu\\n", total); return 0; }`,
  forkBomb: `${cHeader}int main(void) { for (;;) fork(); }`,
  writeOutside: `${cHeader}int main(void) { char path[4096]; int escaped = 0;
    while (scanf("%4095s", path) == 1) { FILE *f = fopen(path, "w"); if (f) { fputs("pwned", f); fclose(f); escaped = 1; printf("wrote %s\\n", path); } else printf("blocked %s\\n", path); }
    puts(escaped ? "ESCAPED" : "blocked"); return 0; }`,
  socket: `${cHeader}#include <sys/socket.h>\n#include <netinet/in.h>\n#include <arpa/inet.h>
int main(void) { int port; if (scanf("%d", &port) != 1) return 2; int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) { puts("blocked socket"); return 0; }
  struct sockaddr_in a = {0}; a.sin_family = AF_INET; a.sin_port = htons(port); inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  puts(connect(s, (struct sockaddr *)&a, sizeof a) == 0 ? "ESCAPED" : "blocked"); return 0; }`,
  readSecrets: `${cHeader}extern char **environ;
int main(void) { char path[4096], buf[4096];
  while (scanf("%4095s", path) == 1) { FILE *f = fopen(path, "r"); if (!f) { printf("blocked %s\\n", path); continue; }
    size_t n; while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, stdout); fclose(f); }
  for (char **e = environ; *e; e++) puts(*e); return 0; }`,
  plantSymlink: `${cHeader}int main(void) { char path[4096], name[32]; int i = 0;
  while (scanf("%4095s", path) == 1) { snprintf(name, sizeof name, "link%d", i++); if (symlink(path, name) != 0) perror("symlink"); }
  if (symlink("/etc/passwd", "output") != 0) perror("symlink"); printf("planted %d\\n", i + 1); return 0; }`,
  print1M: `${cHeader}int main(void) { char line[1024]; memset(line, 'x', 1023); line[1023] = '\\n'; for (int i = 0; i < 1024; i++) fwrite(line, 1, 1024, stdout); return 0; }`,
  print10M: `${cHeader}int main(void) { char line[1024]; memset(line, 'x', 1023); line[1023] = '\\n'; for (int i = 0; i < 10 * 1024; i++) fwrite(line, 1, 1024, stdout); return 0; }`,
  compileError: `${cHeader}int main(void) { printf("hi\\n") return 0; }`,
  uncaught: `${cHeader}int main(void) { int *p = NULL; fprintf(stderr, "about to crash\\n"); fflush(stderr); return *p; }`,
  sumLine: `${cHeader}int main(void) { long s = 0, x; while (scanf("%ld", &x) == 1) s += x; printf("%ld\\n", s); return 0; }`,
};

const cpp: Programs = {
  hello: `#include <iostream>\nint main() { std::cout << "Hello, World!" << std::endl; }`,
  echo: `#include <iostream>\n#include <string>\nint main() { std::string line; bool first = true; while (std::getline(std::cin, line)) { if (!first) std::cout << '\\n'; std::cout << line; first = false; } std::cout << '\\n'; }`,
  wrongAnswer: `#include <iostream>\nint main() { std::cout << 41 << '\\n'; }`,
  infiniteLoop: `int main() { volatile unsigned long i = 0; for (;;) i++; }`,
  allocate1G: `#include <vector>\n#include <iostream>\nint main() { std::vector<std::vector<char>> keep; for (int i = 0; i < 1024; i++) keep.emplace_back(1 << 20, 'x'); std::cout << keep.size() << '\\n'; }`,
  forkBomb: `#include <unistd.h>\nint main() { for (;;) fork(); }`,
  print1M: `#include <cstdio>\n#include <string>\nint main() { std::string line(1023, 'x'); line += '\\n'; for (int i = 0; i < 1024; i++) std::fwrite(line.data(), 1, line.size(), stdout); }`,
  print10M: `#include <cstdio>\n#include <string>\nint main() { std::string line(1023, 'x'); line += '\\n'; for (int i = 0; i < 10 * 1024; i++) std::fwrite(line.data(), 1, line.size(), stdout); }`,
  compileError: `#include <iostream>\nint main() { std::cout << undefined_name << '\\n'; }`,
  uncaught: `#include <stdexcept>\nint main() { throw std::runtime_error("boom"); }`,
  sumLine: `#include <iostream>\nint main() { long s = 0, x; while (std::cin >> x) s += x; std::cout << s << '\\n'; }`,
};

const java: Programs = {
  hello: `public class Main { public static void main(String[] a) { System.out.println("Hello, World!"); } }`,
  echo: `import java.io.*;\npublic class Main { public static void main(String[] a) throws IOException { String s = new String(System.in.readAllBytes()); if (s.endsWith("\\n")) s = s.substring(0, s.length() - 1); System.out.println(s); } }`,
  wrongAnswer: `public class Main { public static void main(String[] a) { System.out.println(41); } }`,
  infiniteLoop: `public class Main { public static void main(String[] a) { long i = 0; while (true) { i++; } } }`,
  allocate1G: `import java.util.*;\npublic class Main { public static void main(String[] a) { List<byte[]> keep = new ArrayList<>(); for (int i = 0; i < 1024; i++) keep.add(new byte[1 << 20]); System.out.println(keep.size()); } }`,
  forkBomb: `public class Main { public static void main(String[] a) throws Exception { while (true) { try { new ProcessBuilder("/bin/sh", "-c", "sleep 5").start(); } catch (Exception e) { } try { new Thread(() -> { try { Thread.sleep(5000); } catch (Exception e) { } }).start(); } catch (Throwable t) { } } } }`,
  socket: `import java.net.*;\npublic class Main { public static void main(String[] a) throws Exception { int port = new java.util.Scanner(System.in).nextInt(); try (Socket s = new Socket()) { s.connect(new InetSocketAddress("127.0.0.1", port), 500); System.out.println("ESCAPED"); } catch (Exception e) { System.out.println("blocked " + e.getClass().getSimpleName()); } } }`,
  writeOutside: `import java.nio.file.*;
public class Main { public static void main(String[] a) throws Exception { boolean escaped = false;
  for (String p : new String(System.in.readAllBytes()).split("\\s+")) { if (p.isEmpty()) continue;
    try { Files.writeString(Path.of(p), "pwned"); escaped = true; System.out.println("wrote " + p); } catch (Exception e) { System.out.println("blocked " + p + " " + e.getClass().getSimpleName()); } }
  System.out.println(escaped ? "ESCAPED" : "blocked"); } }`,
  readSecrets: `import java.nio.file.*;
public class Main { public static void main(String[] a) throws Exception {
  for (String p : new String(System.in.readAllBytes()).split("\\s+")) { if (p.isEmpty()) continue;
    try { System.out.println(p + " " + Files.readString(Path.of(p))); } catch (Exception e) { System.out.println("blocked " + p + " " + e.getClass().getSimpleName()); } }
  System.out.println(System.getenv()); System.out.println(System.getProperties()); } }`,
  plantSymlink: `import java.nio.file.*;
public class Main { public static void main(String[] a) throws Exception { int i = 0;
  for (String p : new String(System.in.readAllBytes()).split("\\s+")) { if (p.isEmpty()) continue; Files.createSymbolicLink(Path.of("link" + i++), Path.of(p)); }
  Files.createSymbolicLink(Path.of("output"), Path.of("/etc/passwd")); System.out.println("planted " + (i + 1)); } }`,
  print1M: `public class Main { public static void main(String[] a) { byte[] line = new byte[1024]; java.util.Arrays.fill(line, (byte) 'x'); line[1023] = '\\n';
  java.io.BufferedOutputStream out = new java.io.BufferedOutputStream(System.out, 1 << 16); try { for (int i = 0; i < 1024; i++) out.write(line); out.flush(); } catch (java.io.IOException e) { } } }`,
  print10M: `public class Main { public static void main(String[] a) { byte[] line = new byte[1024]; java.util.Arrays.fill(line, (byte) 'x'); line[1023] = '\\n';
  java.io.BufferedOutputStream out = new java.io.BufferedOutputStream(System.out, 1 << 16); try { for (int i = 0; i < 10 * 1024; i++) out.write(line); out.flush(); } catch (java.io.IOException e) { } } }`,
  compileError: `public class Main { public static void main(String[] a) { int x = "text"; } }`,
  uncaught: `public class Main { public static void main(String[] a) { throw new IllegalStateException("boom"); } }`,
  sumLine: `import java.util.*;\npublic class Main { public static void main(String[] a) { Scanner in = new Scanner(System.in); long s = 0; while (in.hasNextLong()) s += in.nextLong(); System.out.println(s); } }`,
};

const programs: Record<Language, Programs> = { javascript: js, python, c, cpp, java };
const entry: Record<Language, string> = { javascript: 'main.js', python: 'main.py', c: 'main.c', cpp: 'main.cpp', java: 'Main.java' };

/** the program of a case as source files, or undefined when the language cannot express it */
export function program(language: Language, name: Case): SourceFile[] | undefined {
  const content = programs[language][name];
  return content === undefined ? undefined : [{ name: entry[language], content }];
}

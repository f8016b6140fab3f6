/**
 * A glob over `/`-separated names: `*` matches within one segment, `**` any number of segments (including
 * none), `?` one character. Everything else is literal, so a rule cannot accidentally be a regex.
 */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      const slashAfter = glob[i + 2] === '/';
      const atSegmentStart = i === 0 || glob[i - 1] === '/';
      if (atSegmentStart && slashAfter) {
        out += '(?:[^/]+/)*';
        i += 2;
      } else if (atSegmentStart && i + 2 === glob.length && out.endsWith('/')) {
        // `team/**` also matches `team` itself.
        out = out.slice(0, -1) + '(?:/.*)?';
        i += 1;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

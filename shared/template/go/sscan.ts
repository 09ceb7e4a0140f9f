/**
 * fmt.Sscan into a complex128, which is how Go's template parser reads a complex constant
 * ("1+2i"): fmt's complexTokens/floatToken split the text, strconv.ParseFloat converts each
 * part, and the errors are fmt's and strconv's own texts.
 */
import { parseFloat64 } from './atoi.js';
import { quote } from './strconv.js';

const ERR_COMPLEX = 'syntax error scanning complex number';

export class ScanError extends Error {}

class Scanner {
  private i = 0;
  constructor(private readonly s: string) {}

  /** fmt's ss.accept: consume one character if it is one of `chars`. */
  accept(chars: string): boolean {
    if (this.i < this.s.length && chars.includes(this.s[this.i]!)) {
      this.i++;
      return true;
    }
    return false;
  }

  /** fmt's floatToken: not rigorous about syntax; ParseFloat judges what it returns. */
  floatToken(): string {
    const start = this.i;
    if (this.accept('nN') && this.accept('aA') && this.accept('nN')) return this.s.slice(start, this.i);
    this.accept('+-');
    if (this.accept('iI') && this.accept('nN') && this.accept('fF')) return this.s.slice(start, this.i);
    let digits = '0123456789_';
    let exp = 'eEpP';
    if (this.accept('0') && this.accept('xX')) {
      digits = '0123456789aAbBcCdDeEfF_';
      exp = 'pP';
    }
    while (this.accept(digits));
    if (this.accept('.')) while (this.accept(digits));
    if (this.accept(exp)) {
      this.accept('+-');
      while (this.accept('0123456789_'));
    }
    return this.s.slice(start, this.i);
  }

  /** fmt's complexTokens: "(N+Ni)" or "N+Ni"; anything after it is left unread, as Sscan does. */
  complexTokens(): [string, string] {
    const parens = this.accept('(');
    const re = this.floatToken();
    if (!this.accept('+-')) throw new ScanError(ERR_COMPLEX);
    const sign = this.s[this.i - 1]!;
    const im = this.floatToken();
    if (!this.accept('i')) throw new ScanError(ERR_COMPLEX);
    if (parens && !this.accept(')')) throw new ScanError(ERR_COMPLEX);
    return [re, sign + im];
  }
}

/**
 * fmt's convertFloat. (Its decimal-mantissa-with-p-exponent branch is left out: the template
 * lexer never produces a decimal number containing 'p'.)
 */
function convertFloat(s: string): number {
  const f = parseFloat64(s);
  if (f.ok) return f.v;
  throw new ScanError(`strconv.ParseFloat: parsing ${quote(s)}: ${f.range ? 'value out of range' : 'invalid syntax'}`);
}

/** The value of a complex constant; throws ScanError with Go's message. */
export function sscanComplex(text: string): [number, number] {
  const [re, im] = new Scanner(text).complexTokens();
  return [convertFloat(re), convertFloat(im)];
}

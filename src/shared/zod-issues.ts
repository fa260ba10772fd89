import type * as z from 'zod';

// One line per problem, `stages.1.run: required`, so a user can find each in the file without a stack trace.
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.flatMap((issue) => {
    // An unknown key is named where it stands, `stages.2.retires: unknown key`, which is where the typo is.
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${pathOf([...issue.path, key])}: unknown key`);
    return [`${pathOf(issue.path)}: ${describeIssue(issue)}`];
  });
}

const pathOf = (path: PropertyKey[]): string => (path.length > 0 ? path.map(String).join('.') : '(root)');

function describeIssue(issue: z.core.$ZodIssue): string {
  if (isMissing(issue)) return 'required';
  if (issue.code === 'invalid_union') {
    // Of a union's reasons, the one that is not just "wrong type" says most (a bad duration, a bad code).
    const inner = issue.errors.flat().find((i) => i.code !== 'invalid_type');
    if (inner) return describeIssue(inner);
  }
  return issue.message;
}

// zod reports an absent field as a type mismatch against undefined, for each branch of a union.
function isMissing(issue: z.core.$ZodIssue): boolean {
  if (issue.code === 'invalid_type') return issue.message.endsWith('received undefined');
  if (issue.code === 'invalid_union') return issue.errors.length > 0 && issue.errors.flat().every(isMissing);
  return false;
}

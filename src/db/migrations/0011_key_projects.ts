/**
 * A key may be restricted to a list of projects (JSON array; empty means any project), so a
 * key holder cannot charge the spend of work they declare to a project that is not theirs.
 */
export const sql = `
ALTER TABLE keys ADD COLUMN projects TEXT NOT NULL DEFAULT '[]';
`;

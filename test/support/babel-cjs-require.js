/**
 * Babel plugin for the tests only: ESM packages (Nest 12) that build their own
 * `const require = createRequire(import.meta.url)` are turned into CommonJS for
 * Jest, where a real `require` exists already; the declaration is dropped so it
 * does not shadow it.
 */
module.exports = function dropCreateRequire() {
  return {
    name: 'drop-create-require',
    visitor: {
      VariableDeclarator(path) {
        const { id, init } = path.node;
        if (
          id.type === 'Identifier' &&
          id.name === 'require' &&
          init &&
          init.type === 'CallExpression' &&
          init.callee.type === 'Identifier' &&
          init.callee.name === 'createRequire'
        ) {
          path.remove();
        }
      },
    },
  };
};

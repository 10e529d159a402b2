// A function with an npm dependency: package.json's dependencies are
// installed by `faas-cli deploy-function` and bundled in the tarball.
const _ = require('lodash');

exports.handler = async function (input) {
    const text = typeof input === 'string' ? input : JSON.stringify(input);
    console.log(`Formatting with lodash ${_.VERSION}`);
    return {
        capitalized: _.capitalize(text),
        kebab: _.kebabCase(text),
        words: _.words(text).length,
        lodash: _.VERSION,
    };
};

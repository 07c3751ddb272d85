// The dashboard's browser bundle. Until the dashboard lands (issue #5) it only says so.
const root = document.getElementById('root');
if (root) root.textContent = 'The EdgePush dashboard is not yet available (issue #5).';

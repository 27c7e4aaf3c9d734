document.getElementById("built").textContent = `Served at ${new Date().toISOString()}`;
